// File: services/arborctl/sign_command.h
//
// `arborctl sign --key-file FILE`: signs Polymarket CLOB V2/V3 orders described as JSON lines on
// stdin and prints one JSON line per request. Used for operator checks and as the bridge the
// official-client cross-check (tests/crosscheck) drives. The private key is read once, never
// printed, never put in an error message, and cleansed from the read buffer.
//
// Request (one JSON object per line; blank lines are skipped but counted):
//   {"chain_id":137,"version":2,"neg_risk":false,"tick_size":"0.01","price":"0.56",
//    "size":"21.04","side":"BUY","signature_type":0,"maker":"0x...","token_id":"123",
//    "salt":123456789,"timestamp":1713398400000}
//   optional: "kind":"limit"|"market" (default limit; market BUY size = pUSD amount),
//   "expiration" (unix s, default 0), "metadata"/"builder" (0x + 32 bytes, default zero).
//   price/size/tick_size may be JSON strings or numbers (taken from their text, never a double).
//   signer = the key's address; for signature_type 3 (POLY_1271) signer = maker (deposit wallet).
// Auth requests (for checking headers against other clients):
//   {"auth":"l1","chain_id":137,"timestamp":1713398400,"nonce":0}
//   {"auth":"l2","secret":"<base64url>","api_key":"...","passphrase":"...","timestamp":1,
//    "method":"GET","path":"/","body":""}
// Output per request: {"order":{...POST /order `order` object...},"hash":"0x<order digest>"},
// {"headers":{"POLY_ADDRESS":...}} for auth requests, or {"error":"<reason>","line":N}.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "arbor/venue/polymarket/secp256k1_signer.h"

namespace arbor::arborctl {

struct SignStats {
  int requests = 0;  // non-blank lines
  int signed_orders = 0;
  int errors = 0;
};

// Exit codes: 0 every request signed, 1 usage / key error, 2 at least one request rejected.
inline constexpr int kSignExitOk = 0;
inline constexpr int kSignExitUsage = 1;
inline constexpr int kSignExitRejected = 2;

// Signs every request line of `in` with `key`, writing result lines to `out`. Returns the exit
// code. `stats` (optional) receives the counts.
int RunSign(const venue::polymarket::Secp256k1Signer& key, std::istream& in, std::ostream& out,
            SignStats* stats = nullptr);

// Parses `arborctl sign` arguments (after "sign"), loads the key file and runs on stdin/stdout.
// Errors go to stderr. Returns the exit code.
int SignMain(const std::vector<std::string>& args);

}  // namespace arbor::arborctl
