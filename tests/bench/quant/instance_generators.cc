#include "instance_generators.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/status_macros.h"

namespace arbor::quant::bench {
namespace {

constexpr double kPriceFloor = 0.002;
constexpr double kPriceCap = 0.998;

// The structure of an instance before its prices are known: blocks in order and constraints by
// name. Outcome indices follow the block order, as in PolytopeModel.
struct Skeleton {
  struct BlockSpec {
    std::string name;
    std::vector<std::string> outcomes;
  };
  enum class Kind { kImplies, kEquivalent, kLinear };
  struct ConstraintSpec {
    Kind kind = Kind::kImplies;
    std::string a, b;
    std::vector<std::pair<std::string, double>> terms;
    Relation op = Relation::kLessEqual;
    double rhs = 0;
  };
  std::vector<BlockSpec> blocks;
  std::vector<ConstraintSpec> constraints;
  absl::flat_hash_map<std::string, int> index;
  int size = 0;

  void AddBlock(std::string name, std::vector<std::string> outcomes) {
    for (const std::string& o : outcomes) index.emplace(o, size++);
    blocks.push_back({std::move(name), std::move(outcomes)});
  }
  void Implies(std::string a, std::string b) {
    constraints.push_back({Kind::kImplies, std::move(a), std::move(b), {}, {}, 0});
  }
  void Equivalent(std::string a, std::string b) {
    constraints.push_back({Kind::kEquivalent, std::move(a), std::move(b), {}, {}, 0});
  }
  void Linear(std::vector<std::pair<std::string, double>> terms, Relation op, double rhs) {
    constraints.push_back({Kind::kLinear, "", "", std::move(terms), op, rhs});
  }
  int At(const std::string& name) const { return index.at(name); }
};

// Prices from sampled valid outcomes: clamped marginals times log-normal noise.
template <typename Sampler>
absl::StatusOr<PolytopeModel> Build(const Skeleton& s, int samples, double noise, uint64_t seed,
                                    Sampler&& sample) {
  if (samples < 1) return absl::InvalidArgumentError("samples must be >= 1");
  if (!(noise >= 0) || !std::isfinite(noise)) {
    return absl::InvalidArgumentError("noise must be finite and >= 0");
  }
  std::mt19937_64 rng(seed);
  std::vector<double> freq(s.size, 0.0);
  for (int k = 0; k < samples; ++k) {
    ARBOR_ASSIGN_OR_RETURN(Vertex z, sample(rng));
    for (int i = 0; i < s.size; ++i) freq[i] += z[i];
  }
  std::normal_distribution<double> gauss;
  PolytopeModel m;
  int i = 0;
  for (const Skeleton::BlockSpec& b : s.blocks) {
    std::vector<double> prices;
    for (size_t k = 0; k < b.outcomes.size(); ++k, ++i) {
      const double base = std::clamp(freq[i] / samples, kPriceFloor, kPriceCap);
      const double p = base * std::exp(noise * gauss(rng));
      prices.push_back(std::clamp(p, 0.001, 0.999));
    }
    ARBOR_RETURN_IF_ERROR(m.AddBlock(b.name, b.outcomes, std::move(prices)));
  }
  for (const Skeleton::ConstraintSpec& c : s.constraints) {
    switch (c.kind) {
      case Skeleton::Kind::kImplies:
        ARBOR_RETURN_IF_ERROR(m.AddImplies(c.a, c.b));
        break;
      case Skeleton::Kind::kEquivalent:
        ARBOR_RETURN_IF_ERROR(m.AddEquivalent(c.a, c.b));
        break;
      case Skeleton::Kind::kLinear:
        ARBOR_RETURN_IF_ERROR(m.AddLinear(c.terms, c.op, c.rhs));
        break;
    }
  }
  return m;
}

int Digits(int count) {
  return count <= 10 ? 1 : static_cast<int>(std::to_string(count - 1).size());
}

// ---------------------------------------------------------------------------------------------
// Bracket

absl::Status CheckBracket(const BracketOptions& o) {
  if (o.teams < 2 || (o.teams & (o.teams - 1)) != 0 || o.teams > (1 << 12)) {
    return absl::InvalidArgumentError(
        absl::StrCat("teams must be a power of two in [2, 4096], got ", o.teams));
  }
  return absl::OkStatus();
}

int Rounds(int teams) {
  int r = 0;
  while ((1 << r) < teams) ++r;
  return r;
}

struct BracketNames {
  int rounds, tw, gw;
  std::string Token(int r, int t) const { return absl::StrFormat("r%d.t%0*d", r, tw, t); }
  std::string Game(int r, int g) const { return absl::StrFormat("r%d.g%0*d", r, gw, g); }
  std::string Yes(int r, int t) const { return Token(r, t) + ".yes"; }
  std::string No(int r, int t) const { return Token(r, t) + ".no"; }
};

BracketNames NamesFor(const BracketOptions& o) {
  return {Rounds(o.teams), Digits(o.teams), Digits(o.teams / 2)};
}

Skeleton BracketSkeleton(const BracketOptions& o) {
  const BracketNames n = NamesFor(o);
  Skeleton s;
  for (int r = 1; r <= n.rounds; ++r) {
    const int span = 1 << r;
    for (int g = 0; g < o.teams / span; ++g) {
      std::vector<std::string> outcomes;
      for (int t = g * span; t < (g + 1) * span; ++t) outcomes.push_back(n.Token(r, t));
      s.AddBlock(n.Game(r, g), std::move(outcomes));
    }
  }
  if (o.binary_markets) {
    for (int r = 1; r <= n.rounds; ++r) {
      for (int t = 0; t < o.teams; ++t)
        s.AddBlock("adv." + n.Token(r, t), {n.Yes(r, t), n.No(r, t)});
    }
  }
  for (int r = 2; r <= n.rounds; ++r) {
    for (int t = 0; t < o.teams; ++t) s.Implies(n.Token(r, t), n.Token(r - 1, t));
  }
  if (o.binary_markets) {
    for (int r = 1; r <= n.rounds; ++r) {
      for (int t = 0; t < o.teams; ++t) s.Equivalent(n.Yes(r, t), n.Token(r, t));
    }
  }
  return s;
}

// Bradley-Terry games between log-normal strengths fixed by the options' seed.
class BracketSampler {
 public:
  BracketSampler(const BracketOptions& o, const Skeleton& s) : o_(o), s_(s), n_(NamesFor(o)) {
    std::mt19937_64 rng(o.seed * 7919 + 17);
    std::normal_distribution<double> gauss;
    for (int t = 0; t < o.teams; ++t) strength_.push_back(std::exp(0.8 * gauss(rng)));
  }

  Vertex operator()(std::mt19937_64& rng) const {
    Vertex z(s_.size, 0);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::vector<int> alive(o_.teams);
    for (int t = 0; t < o_.teams; ++t) alive[t] = t;
    std::vector<uint8_t> won(static_cast<size_t>(n_.rounds + 1) * o_.teams, 0);
    for (int r = 1; r <= n_.rounds; ++r) {
      std::vector<int> next;
      for (size_t g = 0; g + 1 < alive.size(); g += 2) {
        const int a = alive[g], b = alive[g + 1];
        const bool a_wins = unit(rng) < strength_[a] / (strength_[a] + strength_[b]);
        const int w = a_wins ? a : b;
        next.push_back(w);
        won[static_cast<size_t>(r) * o_.teams + w] = 1;
        z[s_.At(n_.Token(r, w))] = 1;
      }
      alive = std::move(next);
    }
    if (o_.binary_markets) {
      for (int r = 1; r <= n_.rounds; ++r) {
        for (int t = 0; t < o_.teams; ++t) {
          const bool w = won[static_cast<size_t>(r) * o_.teams + t] != 0;
          z[s_.At(w ? n_.Yes(r, t) : n_.No(r, t))] = 1;
        }
      }
    }
    return z;
  }

 private:
  const BracketOptions& o_;
  const Skeleton& s_;
  BracketNames n_;
  std::vector<double> strength_;
};

// ---------------------------------------------------------------------------------------------
// Election

absl::Status CheckElection(const ElectionOptions& o) {
  if (o.states < 1 || o.states > 1000 || o.parties < 2 || o.parties > 20 || o.candidates < 1 ||
      o.candidates > 50) {
    return absl::InvalidArgumentError(
        "election: states in [1, 1000], parties in [2, 20], candidates in [1, 50]");
  }
  if (!o.electoral_votes.empty()) {
    if (static_cast<int>(o.electoral_votes.size()) != o.states) {
      return absl::InvalidArgumentError(absl::StrCat("election: ", o.electoral_votes.size(),
                                                     " electoral vote counts for ", o.states,
                                                     " states"));
    }
    for (int v : o.electoral_votes) {
      if (v <= 0) return absl::InvalidArgumentError("election: electoral votes must be > 0");
    }
  }
  return absl::OkStatus();
}

// Margin buckets of a state: the winner's lead over the runner-up in [0, .25), [.25, .5),
// [.5, 1), [1, ∞) (score units). The binary "lead" market pays when the lead is > 0.5.
constexpr double kBucketEdges[] = {0.25, 0.5, 1.0};
constexpr int kBuckets = 4;
constexpr int kFirstLeadBucket = 2;

int BucketOf(double lead) {
  int b = 0;
  while (b < kBuckets - 1 && lead >= kBucketEdges[b]) ++b;
  return b;
}

struct ElectionNames {
  int sw, pw, cw;
  std::string S(int s) const { return absl::StrFormat("s%0*d", sw, s); }
  std::string P(int p) const { return absl::StrFormat("p%0*d", pw, p); }
  std::string PC(int p, int c) const { return absl::StrFormat("p%0*dc%0*d", pw, p, cw, c); }
  std::string Win(int s, int p) const { return S(s) + ".win." + P(p); }
  std::string Margin(int s, int p, int b) const {
    return absl::StrCat(S(s), ".margin.", P(p), "b", b);
  }
  std::string Lead(int s, int p) const { return S(s) + ".lead." + P(p); }
  std::string Cand(int s, int p, int c) const { return S(s) + ".cand." + PC(p, c); }
  std::string Nom(int p, int c) const { return "nom." + PC(p, c); }
  std::string NatWin(int p) const { return "nat.win." + P(p); }
  std::string NatCand(int p, int c) const { return "nat.cand." + PC(p, c); }
};

ElectionNames NamesFor(const ElectionOptions& o) {
  return {Digits(o.states), Digits(o.parties), Digits(o.candidates)};
}

std::vector<int> ElectoralVotes(const ElectionOptions& o) {
  if (!o.electoral_votes.empty()) return o.electoral_votes;
  std::mt19937_64 rng(o.seed * 104729 + 3);
  std::uniform_int_distribution<int> ev(3, 55);
  std::vector<int> out(o.states);
  for (int& v : out) v = ev(rng);
  return out;
}

// "a ∧ b ⇒ c" as c − a − b ≥ −1. With c ⇒ a and c ⇒ b this is the exact linearisation of
// c = a ∧ b, whose LP relaxation is tight for one product.
void AndRow(Skeleton& s, const std::string& c, const std::string& a, const std::string& b) {
  s.Implies(c, a);
  s.Implies(c, b);
  s.Linear({{c, 1.0}, {a, -1.0}, {b, -1.0}}, Relation::kGreaterEqual, -1);
}

Skeleton ElectionSkeleton(const ElectionOptions& o, const std::vector<int>& ev) {
  const ElectionNames n = NamesFor(o);
  Skeleton s;
  for (int st = 0; st < o.states; ++st) {
    std::vector<std::string> win;
    for (int p = 0; p < o.parties; ++p) win.push_back(n.Win(st, p));
    s.AddBlock(n.S(st) + ".win", std::move(win));
    if (o.margin_markets) {
      std::vector<std::string> margin;
      for (int p = 0; p < o.parties; ++p) {
        for (int b = 0; b < kBuckets; ++b) margin.push_back(n.Margin(st, p, b));
      }
      s.AddBlock(n.S(st) + ".margin", std::move(margin));
      for (int p = 0; p < o.parties; ++p) {
        const std::string lead = n.Lead(st, p);
        s.AddBlock(lead, {lead + ".yes", lead + ".no"});
      }
    }
    if (o.state_candidate_markets) {
      std::vector<std::string> cand;
      for (int p = 0; p < o.parties; ++p) {
        for (int c = 0; c < o.candidates; ++c) cand.push_back(n.Cand(st, p, c));
      }
      s.AddBlock(n.S(st) + ".cand", std::move(cand));
    }
  }
  for (int p = 0; p < o.parties; ++p) {
    std::vector<std::string> nom;
    for (int c = 0; c < o.candidates; ++c) nom.push_back(n.Nom(p, c));
    s.AddBlock("nom." + n.P(p), std::move(nom));
  }
  std::vector<std::string> nat_win, nat_cand;
  for (int p = 0; p < o.parties; ++p) {
    nat_win.push_back(n.NatWin(p));
    for (int c = 0; c < o.candidates; ++c) nat_cand.push_back(n.NatCand(p, c));
  }
  s.AddBlock("nat.win", std::move(nat_win));
  s.AddBlock("nat.cand", std::move(nat_cand));

  for (int st = 0; st < o.states; ++st) {
    for (int p = 0; p < o.parties; ++p) {
      if (o.margin_markets) {
        // Party p wins the state ⇔ one of its margin buckets; lead YES ⇔ a bucket above 0.5.
        std::vector<std::pair<std::string, double>> win{{n.Win(st, p), 1.0}};
        std::vector<std::pair<std::string, double>> lead{{n.Lead(st, p) + ".yes", 1.0}};
        for (int b = 0; b < kBuckets; ++b) {
          win.emplace_back(n.Margin(st, p, b), -1.0);
          if (b >= kFirstLeadBucket) lead.emplace_back(n.Margin(st, p, b), -1.0);
        }
        s.Linear(std::move(win), Relation::kEqual, 0);
        s.Linear(std::move(lead), Relation::kEqual, 0);
      }
      if (o.state_candidate_markets) {
        for (int c = 0; c < o.candidates; ++c) {
          AndRow(s, n.Cand(st, p, c), n.Win(st, p), n.Nom(p, c));
        }
      }
    }
  }
  int total = 0;
  for (int v : ev) total += v;
  const int majority = total / 2 + 1;
  for (int p = 0; p < o.parties; ++p) {
    for (int c = 0; c < o.candidates; ++c) AndRow(s, n.NatCand(p, c), n.NatWin(p), n.Nom(p, c));
    // nat.win.p ⇒ Σ ev·win ≥ majority. ¬nat.win.p ⇒ Σ ev·win ≤ total − majority follows (the
    // national winner holds a majority), but stating it tightens the LP relaxation; it is
    // tighter than the textbook big-M row Σ ev·win ≤ majority − 1 + (total − majority + 1)·nat.
    std::vector<std::pair<std::string, double>> terms;
    for (int st = 0; st < o.states; ++st) terms.emplace_back(n.Win(st, p), ev[st]);
    auto with_national = [&](double coef) {
      auto t = terms;
      t.emplace_back(n.NatWin(p), coef);
      return t;
    };
    s.Linear(with_national(-majority), Relation::kGreaterEqual, 0);
    s.Linear(with_national(-majority), Relation::kLessEqual, total - majority);
  }
  return s;
}

// Party scores = base + state lean + national swing + state noise; the highest wins the state and
// its lead over the runner-up picks the margin bucket. Draws without a majority party are
// redrawn (they are not valid joint outcomes).
class ElectionSampler {
 public:
  ElectionSampler(const ElectionOptions& o, const Skeleton& s, std::vector<int> ev)
      : o_(o), s_(s), n_(NamesFor(o)), ev_(std::move(ev)) {
    std::mt19937_64 rng(o.seed * 6151 + 5);
    std::normal_distribution<double> gauss;
    for (int p = 0; p < o.parties; ++p) base_.push_back(0.3 * gauss(rng) - (p >= 2 ? 0.8 : 0.0));
    for (int st = 0; st < o.states; ++st) {
      for (int p = 0; p < o.parties; ++p) lean_.push_back(0.6 * gauss(rng));
    }
    for (int p = 0; p < o.parties; ++p) {
      for (int c = 0; c < o.candidates; ++c) popularity_.push_back(std::exp(gauss(rng)));
    }
    for (int v : ev_) total_ += v;
  }

  absl::StatusOr<Vertex> operator()(std::mt19937_64& rng) const {
    std::normal_distribution<double> gauss;
    const int majority = total_ / 2 + 1;
    for (int attempt = 0; attempt < 10000; ++attempt) {
      std::vector<double> swing(o_.parties);
      for (double& w : swing) w = 0.3 * gauss(rng);
      std::vector<int> winner(o_.states), bucket(o_.states);
      std::vector<int> votes(o_.parties, 0);
      for (int st = 0; st < o_.states; ++st) {
        int best = 0;
        double best_score = -1e300, second = -1e300;
        for (int p = 0; p < o_.parties; ++p) {
          const double score = base_[p] + lean_[st * o_.parties + p] + swing[p] + 0.3 * gauss(rng);
          if (score > best_score) {
            second = best_score;
            best_score = score;
            best = p;
          } else if (score > second) {
            second = score;
          }
        }
        winner[st] = best;
        bucket[st] = BucketOf(best_score - second);
        votes[best] += ev_[st];
      }
      int national = -1;
      for (int p = 0; p < o_.parties; ++p) {
        if (votes[p] >= majority) national = p;
      }
      if (national < 0) continue;
      std::vector<int> nominee(o_.parties);
      for (int p = 0; p < o_.parties; ++p) {
        std::discrete_distribution<int> pick(popularity_.begin() + p * o_.candidates,
                                             popularity_.begin() + (p + 1) * o_.candidates);
        nominee[p] = pick(rng);
      }
      Vertex z(s_.size, 0);
      for (int st = 0; st < o_.states; ++st) {
        const int w = winner[st];
        z[s_.At(n_.Win(st, w))] = 1;
        if (o_.margin_markets) {
          z[s_.At(n_.Margin(st, w, bucket[st]))] = 1;
          for (int p = 0; p < o_.parties; ++p) {
            const bool yes = p == w && bucket[st] >= kFirstLeadBucket;
            z[s_.At(n_.Lead(st, p) + (yes ? ".yes" : ".no"))] = 1;
          }
        }
        if (o_.state_candidate_markets) z[s_.At(n_.Cand(st, w, nominee[w]))] = 1;
      }
      for (int p = 0; p < o_.parties; ++p) z[s_.At(n_.Nom(p, nominee[p]))] = 1;
      z[s_.At(n_.NatWin(national))] = 1;
      z[s_.At(n_.NatCand(national, nominee[national]))] = 1;
      return z;
    }
    return absl::FailedPreconditionError(
        "election: no draw with a majority party in 10000 attempts (check electoral votes)");
  }

 private:
  const ElectionOptions& o_;
  const Skeleton& s_;
  ElectionNames n_;
  std::vector<int> ev_;
  int total_ = 0;
  std::vector<double> base_, lean_, popularity_;
};

}  // namespace

absl::StatusOr<PolytopeModel> MakeBracket(const BracketOptions& options) {
  ARBOR_RETURN_IF_ERROR(CheckBracket(options));
  const Skeleton s = BracketSkeleton(options);
  const BracketSampler sampler(options, s);
  return Build(s, options.samples, options.noise, options.seed,
               [&](std::mt19937_64& rng) -> absl::StatusOr<Vertex> { return sampler(rng); });
}

int BracketOutcomes(const BracketOptions& options) {
  const int rounds = Rounds(options.teams);
  return rounds * options.teams * (options.binary_markets ? 3 : 1);
}

absl::StatusOr<Vertex> SampleBracket(const BracketOptions& options, std::mt19937_64& rng) {
  ARBOR_RETURN_IF_ERROR(CheckBracket(options));
  const Skeleton s = BracketSkeleton(options);
  return BracketSampler(options, s)(rng);
}

absl::StatusOr<PolytopeModel> MakeElection(const ElectionOptions& options) {
  ARBOR_RETURN_IF_ERROR(CheckElection(options));
  const std::vector<int> ev = ElectoralVotes(options);
  const Skeleton s = ElectionSkeleton(options, ev);
  const ElectionSampler sampler(options, s, ev);
  return Build(s, options.samples, options.noise, options.seed, sampler);
}

absl::StatusOr<Vertex> SampleElection(const ElectionOptions& options, std::mt19937_64& rng) {
  ARBOR_RETURN_IF_ERROR(CheckElection(options));
  const std::vector<int> ev = ElectoralVotes(options);
  const Skeleton s = ElectionSkeleton(options, ev);
  return ElectionSampler(options, s, ev)(rng);
}

std::string ModelToJson(const PolytopeModel& model) {
  JsonWriter w;
  w.BeginObject().Key("blocks").BeginArray();
  for (int b = 0; b < model.num_blocks(); ++b) {
    const Block& block = model.block(b);
    w.BeginObject().Key("name").String(block.name).Key("outcomes").BeginArray();
    for (const std::string& o : block.outcomes) w.String(o);
    w.EndArray().Key("prices").BeginArray();
    for (double p : block.prices) w.Double(p);
    w.EndArray().EndObject();
  }
  w.EndArray().Key("constraints").BeginArray();
  for (const LinearConstraint& c : model.constraints()) {
    std::map<int, double> merged;  // by outcome index: JSON object keys must be unique
    for (const auto& [i, coef] : c.terms) merged[i] += coef;
    std::vector<std::pair<int, double>> terms(merged.begin(), merged.end());
    const auto name = [&](int i) { return model.outcome_name(i); };
    const bool pair = terms.size() == 2;
    auto coef_of = [&](size_t k) { return terms[k].second; };
    w.BeginObject();
    // Recover the shorthand forms: z_a − z_b ≤ 0 (implies; the order of a, b is by sign),
    // z_a + z_b ≤ 1 (excludes), z_a − z_b = 0 (equivalent), Σ z ≤ 1 (at_most_one).
    const bool all_ones =
        std::all_of(terms.begin(), terms.end(), [](const auto& t) { return t.second == 1.0; });
    if (pair && c.op == Relation::kLessEqual && c.rhs == 0 && coef_of(0) + coef_of(1) == 0.0 &&
        std::abs(coef_of(0)) == 1.0) {
      const int a = coef_of(0) > 0 ? terms[0].first : terms[1].first;
      const int b = coef_of(0) > 0 ? terms[1].first : terms[0].first;
      w.Key("implies").BeginArray().String(name(a)).String(name(b)).EndArray();
    } else if (pair && c.op == Relation::kEqual && c.rhs == 0 && coef_of(0) + coef_of(1) == 0.0 &&
               std::abs(coef_of(0)) == 1.0) {
      w.Key("equivalent").BeginArray().String(name(terms[0].first)).String(name(terms[1].first));
      w.EndArray();
    } else if (pair && all_ones && c.op == Relation::kLessEqual && c.rhs == 1) {
      w.Key("excludes").BeginArray().String(name(terms[0].first)).String(name(terms[1].first));
      w.EndArray();
    } else if (terms.size() > 2 && all_ones && c.op == Relation::kLessEqual && c.rhs == 1) {
      w.Key("at_most_one").BeginArray();
      for (const auto& [i, coef] : terms) w.String(name(i));
      w.EndArray();
    } else {
      w.Key("linear").BeginObject().Key("terms").BeginObject();
      for (const auto& [i, coef] : terms) w.Key(name(i)).Double(coef);
      w.EndObject();
      w.Key("op").String(c.op == Relation::kLessEqual      ? "<="
                         : c.op == Relation::kGreaterEqual ? ">="
                                                           : "=");
      w.Key("rhs").Double(c.rhs);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take() + "\n";
}

}  // namespace arbor::quant::bench
