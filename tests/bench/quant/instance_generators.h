// File: tests/bench/quant/instance_generators.h
//
// Large PolytopeModel instances for the projection benchmark (projection_bench.cc), the SLSQP
// cross-check (slsqp_compare.py, through `projection_bench --emit-json`) and the generator
// sanity tests (tests/unit/quant/instance_generators_test.cc).
//
//   * Single-elimination bracket of 2^k teams: one block per game of every round (the teams that
//     can win it), "t wins its round-r game" ⇒ "t won its round r−1 game"; optionally one binary
//     market (YES/NO) per (team, round) equivalent to the game-block token — the same
//     proposition quoted twice, as on venues that list both a NegRisk event and binaries.
//   * Election: states × parties × candidates. Per state a party-winner block, a margin-bucket
//     block and binary "leads by a margin" markets, optionally a candidate-winner block
//     (candidate wins the state ⇔ their party wins it and they are the nominee); per party a
//     nominee block; national party and candidate winner blocks, the national winner needing a
//     majority of electoral votes (two linear rows per party).
//
// Prices: the marginals of Monte-Carlo samples of a generative model whose samples are valid
// joint outcomes (so the unperturbed prices lie in M), clamped to [0.002, 0.998] and multiplied
// by independent noise exp(N(0, noise²)) — near-arbitrage-free books, as venues quote them.
// noise = 0 leaves only the clamping. Deterministic for a given seed.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/quant/polytope_model.h"

namespace arbor::quant::bench {

struct BracketOptions {
  int teams = 64;              // a power of two, >= 2
  bool binary_markets = true;  // add the (team, round) YES/NO markets
  double noise = 0.05;         // log-normal price noise (sigma)
  int samples = 4000;          // Monte-Carlo tournaments for the base prices
  uint64_t seed = 1;
};

// Outcome names: game blocks "r<round>.g<game>" with outcomes "r<round>.t<team>" (rounds from
// 1, teams from 0, zero-padded); binary blocks "r<round>.t<team>" → "...yes" / "...no" under the
// block name "adv.r<round>.t<team>". InvalidArgument for a bad option.
[[nodiscard]] absl::StatusOr<PolytopeModel> MakeBracket(const BracketOptions& options);

// The number of outcomes and constraints MakeBracket produces (no model built).
int BracketOutcomes(const BracketOptions& options);

struct ElectionOptions {
  int states = 51;
  int parties = 3;
  int candidates = 4;  // potential nominees per party
  // Per state a (party × margin bucket) block and one YES/NO "leads by more than 0.5" market per
  // party.
  bool margin_markets = true;
  // Per state a candidate-winner block (candidate wins ⇔ their party wins ∧ they are the
  // nominee). Off by default: the nominee choice couples every state, and CBC needs seconds per
  // oracle call on 51 states (docs/quant.md, "Scale figures").
  bool state_candidate_markets = false;
  // Electoral votes per state; empty = drawn from the seed (3..55).
  std::vector<int> electoral_votes;
  double noise = 0.05;
  int samples = 4000;
  uint64_t seed = 1;
};

// Names: "s<state>.win" → "s<state>.win.p<party>"; "s<state>.margin" → "s<state>.margin.p<p>b<k>"
// (k = 0..3: lead in [0, .25), [.25, .5), [.5, 1), [1, ∞)); "s<state>.lead.p<p>" → "...yes" /
// "...no"; "s<state>.cand" → "s<state>.cand.p<p>c<c>"; "nom.p<p>" → "nom.p<p>c<c>"; "nat.win" →
// "nat.win.p<p>"; "nat.cand" → "nat.cand.p<p>c<c>". Constraints: win ⇔ Σ margin buckets, lead YES
// ⇔ Σ buckets 2..3 (linear equalities); candidate ⇔ party ∧ nominee (two implies and one linear
// row each, for the state and national candidate blocks); the national winner has a majority,
// floor(total / 2) + 1 electoral votes, and no other party has one (two linear rows per party).
// Joint outcomes without a majority party are not valid (no contingent election).
// InvalidArgument for a bad option (including electoral votes of the wrong count or <= 0).
[[nodiscard]] absl::StatusOr<PolytopeModel> MakeElection(const ElectionOptions& options);

// One valid joint outcome of each generator's sampling model (the test checks IsValid on many).
[[nodiscard]] absl::StatusOr<Vertex> SampleBracket(const BracketOptions& options,
                                                   std::mt19937_64& rng);
[[nodiscard]] absl::StatusOr<Vertex> SampleElection(const ElectionOptions& options,
                                                    std::mt19937_64& rng);

// ModelToJson
//
// The model in `arborctl quant project`'s input format (docs/quant.md, "arborctl quant
// project"): blocks with prices, constraints as implies / excludes / equivalent / at_most_one
// when a row has exactly that shape, otherwise linear (terms merged by outcome).
std::string ModelToJson(const PolytopeModel& model);

}  // namespace arbor::quant::bench
