#include "arbor/testing/rsa_key.h"

#include <cstdio>
#include <fstream>

#include "openssl/bio.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/rsa.h"

namespace arbor::testing {
namespace {

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

}  // namespace

RsaKey MakeRsaKey(const std::string& dir, const std::string& name) {
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  RsaKey k;
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  k.private_pem = BioToString(b);
  k.private_pem_file = dir + "/" + name + ".pem";
  std::ofstream(k.private_pem_file) << k.private_pem;
  b = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(b, pkey);
  k.public_pem_file = dir + "/" + name + ".pub.pem";
  std::ofstream(k.public_pem_file) << BioToString(b);
  EVP_PKEY_free(pkey);
  return k;
}

void RemoveRsaKeyFiles(const RsaKey& key) {
  std::remove(key.private_pem_file.c_str());
  std::remove(key.public_pem_file.c_str());
}

}  // namespace arbor::testing
