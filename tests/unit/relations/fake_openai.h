// File: tests/unit/relations/fake_openai.h
//
// A fake OpenAI-compatible Chat Completions server for the curator tests: a real Beast server on
// 127.0.0.1 (tests/unit/net/test_servers.h, plain or TLS) whose replies are scripted per
// candidate (keyed by the market id of side A in the prompt), recording every request.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "arbor/core/json_writer.h"
#include "simdjson.h"
#include "test_servers.h"

namespace arbor::relations::testing {

// A Chat Completions response body whose choices[0].message.content is `content`.
inline std::string ChatBody(const std::string& content) {
  JsonWriter w;
  w.BeginObject().Key("id").String("chatcmpl-1").Key("object").String("chat.completion");
  w.Key("choices").BeginArray().BeginObject().Key("index").Int(0);
  w.Key("message").BeginObject().Key("role").String("assistant").Key("content").String(content);
  w.EndObject().Key("finish_reason").String("stop").EndObject().EndArray().EndObject();
  return w.Take();
}

class FakeOpenAi {
 public:
  using Reply = net::testing::TestHttpServer::Reply;

  explicit FakeOpenAi(const net::testing::Pki* pki = nullptr)
      : server_([this](const net::testing::TestHttpServer::Request& req) { return Handle(req); },
                pki) {}

  uint16_t port() const { return server_.port(); }
  int requests() const { return server_.requests(); }

  // Replies for the candidate whose side A is `market_id`, one per request (the last repeats).
  void Script(const std::string& market_id, std::vector<Reply> replies) {
    std::lock_guard<std::mutex> lock(mu_);
    scripts_[market_id] = std::move(replies);
  }
  // A 200 reply with this message content.
  static Reply Content(const std::string& content) {
    Reply r;
    r.body = ChatBody(content);
    r.headers = {{"Content-Type", "application/json"}};
    return r;
  }
  static Reply Status(int status, std::string body = "{\"error\":{\"message\":\"nope\"}}") {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static Reply Raw(std::string body) {
    Reply r;
    r.body = std::move(body);
    return r;
  }

  struct Seen {
    std::string target;
    std::string authorization;
    std::string content_type;
    std::string body;
  };
  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  Reply Handle(const net::testing::TestHttpServer::Request& req) {
    std::lock_guard<std::mutex> lock(mu_);
    Seen s;
    s.target = std::string(req.target());
    s.authorization = std::string(req[boost::beast::http::field::authorization]);
    s.content_type = std::string(req[boost::beast::http::field::content_type]);
    s.body = req.body();
    seen_.push_back(s);
    // The market id of side A: the user prompt reads "A (market <id>, outcome ...".
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view user;
    if (parser.parse(s.body).get(root) != simdjson::SUCCESS ||
        root["messages"].at(1)["content"].get_string().get(user) != simdjson::SUCCESS) {
      return Status(400, "{\"error\":\"bad request\"}");
    }
    const std::string_view prefix = "A (market ";
    const size_t at = user.find(prefix);
    const size_t comma = user.find(',', at);
    if (at == std::string_view::npos || comma == std::string_view::npos) return Status(400);
    const std::string market(user.substr(at + prefix.size(), comma - at - prefix.size()));
    auto it = scripts_.find(market);
    if (it == scripts_.end() || it->second.empty()) return Status(404);
    size_t& n = served_[market];
    const Reply r = it->second[std::min(n, it->second.size() - 1)];
    ++n;
    return r;
  }

  mutable std::mutex mu_;
  std::map<std::string, std::vector<Reply>> scripts_;
  std::map<std::string, size_t> served_;
  std::vector<Seen> seen_;
  net::testing::TestHttpServer server_;  // last: stopped first, before the state it uses
};

}  // namespace arbor::relations::testing
