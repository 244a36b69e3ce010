// File: tls_test_cert.h
//
// Test support: a throw-away self-signed TLS certificate (EC P-256, valid for 127.0.0.1 and
// localhost, one day) generated in-process with OpenSSL 3, written as PEM files so the
// simulator's servers can load it and our clients can trust exactly it (ca_file = the cert).
// Stateless; safe to call from any thread.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace arbor::sim {

struct TestCertFiles {
  std::string dir;        // the fresh directory holding both files
  std::string cert_file;  // PEM certificate (also usable as the CA file that trusts it)
  std::string key_file;   // PEM private key (PKCS#8)
};

// WriteSelfSignedTlsCert
//
// Creates a new directory under `parent_dir` (e.g. ::testing::TempDir()) and writes cert.pem and
// key.pem into it. The certificate has CN=localhost and subjectAltName IP:127.0.0.1,
// DNS:localhost. Errors: kInternal naming the OpenSSL step or file that failed.
[[nodiscard]] absl::StatusOr<TestCertFiles> WriteSelfSignedTlsCert(const std::string& parent_dir);

}  // namespace arbor::sim
