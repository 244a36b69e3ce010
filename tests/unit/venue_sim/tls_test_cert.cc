#include "tls_test_cert.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace arbor::sim {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct X509ExtFree {
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
};
struct FileClose {
  void operator()(FILE* f) const { fclose(f); }
};

absl::Status OpenSslError(const char* step) {
  char buf[256] = {0};
  ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
  return absl::InternalError(absl::StrCat("test cert: ", step, ": ", buf));
}

absl::Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, X509ExtFree> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError(OBJ_nid2sn(nid));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TestCertFiles> WriteSelfSignedTlsCert(const std::string& parent_dir) {
  std::string tmpl = parent_dir;
  if (!tmpl.empty() && tmpl.back() != '/') tmpl.push_back('/');
  tmpl += "arbor_tls_XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("test cert: cannot create a directory in ", parent_dir));
  }
  TestCertFiles files;
  files.dir = buf.data();
  files.cert_file = files.dir + "/cert.pem";
  files.key_file = files.dir + "/key.pem";

  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
  if (key == nullptr) return OpenSslError("EVP_EC_gen");
  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (cert == nullptr) return OpenSslError("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) == nullptr ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslError("certificate fields");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return OpenSslError("certificate name");
  }
  // Self-signed and used as its own trust anchor by the clients under test.
  if (absl::Status st = AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
      !st.ok()) {
    return st;
  }
  if (absl::Status st = AddExtension(cert.get(), NID_subject_key_identifier, "hash"); !st.ok()) {
    return st;
  }
  if (absl::Status st =
          AddExtension(cert.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
      !st.ok()) {
    return st;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return OpenSslError("X509_sign");

  std::unique_ptr<FILE, FileClose> cert_out(fopen(files.cert_file.c_str(), "w"));
  if (cert_out == nullptr || PEM_write_X509(cert_out.get(), cert.get()) != 1) {
    return absl::InternalError(absl::StrCat("test cert: cannot write ", files.cert_file));
  }
  std::unique_ptr<FILE, FileClose> key_out(fopen(files.key_file.c_str(), "w"));
  if (key_out == nullptr ||
      PEM_write_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return absl::InternalError(absl::StrCat("test cert: cannot write ", files.key_file));
  }
  return files;
}

}  // namespace arbor::sim
