// File: arbor/testing/rsa_key.h
//
// A fresh RSA-2048 key for Kalshi-authenticated integration tests: the private half as PEM
// text (for RequestSigner::FromPemString) and both halves written to files in a directory (the
// simulator's --kalshi-key takes the public file, arbor-feed's --kalshi_private_key_file the
// private one).
#pragma once

#include <string>

namespace arbor::testing {

struct RsaKey {
  std::string private_pem;
  std::string private_pem_file;
  std::string public_pem_file;
};

// Writes `<dir>/<name>.pem` (private) and `<dir>/<name>.pub.pem` (public).
RsaKey MakeRsaKey(const std::string& dir, const std::string& name);

// Removes both files.
void RemoveRsaKeyFiles(const RsaKey& key);

}  // namespace arbor::testing
