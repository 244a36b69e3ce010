// arborctl quant project: reference cases 1-4 (../shared/quant/REFERENCE_CASES.md) through the
// command's in-process entry point (μ to 1e-6, D to 1e-8, gap, trade), stdin and file input,
// the fixtures in tests/data/quant, every input and flag error with its exit code and message,
// the iteration-limit warning, the generators' JSON (tests/bench/quant) read back, and the real
// binary.
#include "quant_command.h"

#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "arbor/quant/frank_wolfe.h"
#include "arbor/quant/ip_oracle.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "instance_generators.h"
#include "quant_input.h"
#include "simdjson.h"

namespace arbor::arborctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string DataPath(const std::string& name) {
  return std::string(ARBOR_TEST_DATA_DIR) + "/quant/" + name;
}

struct Result {
  int code = -1;
  std::string out, err;
};

Result RunCli(const std::vector<std::string>& args, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  Result r;
  r.code = RunQuantCommand(args, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// The JSON output read back.
struct Output {
  std::map<std::string, double> mu;
  double divergence = NAN, divergence_plain = NAN, gap = NAN, profit = NAN, cost = NAN;
  int64_t iterations = -1, oracle_calls = -1;
  std::string stop;
  bool arbitrage = false;
  std::vector<std::string> legs;  // "buy A_no 1 @0.45"
};

Output Parse(const std::string& text) {
  Output o;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(text).get(root), simdjson::SUCCESS) << text;
  for (simdjson::dom::key_value_pair kv : root["mu"].get_object()) {
    o.mu[std::string(kv.key)] = kv.value.get_double().value();
  }
  o.divergence = root["divergence"].get_double().value();
  o.divergence_plain = root["divergence_plain"].get_double().value();
  o.gap = root["gap"].get_double().value();
  o.iterations = root["iterations"].get_int64().value();
  o.oracle_calls = root["oracle_calls"].get_int64().value();
  // Neighbourhood-search steps are a subset of the lazy steps.
  const int64_t lazy = root["lazy_steps"].get_int64().value();
  const int64_t search = root["search_steps"].get_int64().value();
  EXPECT_TRUE(search >= 0 && search <= lazy) << text;
  o.stop = std::string(root["stop"].get_string().value());
  o.arbitrage = root["arbitrage"].get_bool().value();
  o.profit = root["guaranteed_profit_per_set"].get_double().value();
  o.cost = root["trade"]["cost_per_set"].get_double().value();
  for (simdjson::dom::element leg : root["trade"]["legs"].get_array()) {
    std::ostringstream s;
    s << std::string(leg["side"].get_string().value()) << " "
      << std::string(leg["outcome"].get_string().value()) << " "
      << leg["quantity"].get_double().value() << " @" << leg["price"].get_double().value();
    o.legs.push_back(s.str());
  }
  return o;
}

std::string Binary2(double pa, double pb, const std::string& constraint) {
  std::ostringstream s;
  s.precision(17);
  s << R"({"blocks":[{"name":"A","outcomes":["A_yes","A_no"],"prices":[)" << pa << "," << 1 - pa
    << R"(]},{"name":"B","outcomes":["B_yes","B_no"],"prices":[)" << pb << "," << 1 - pb
    << R"(]}],"constraints":[)" << constraint << "]}";
  return s.str();
}

double Logit(double p) { return std::log(p / (1 - p)); }
double Logistic(double x) { return 1 / (1 + std::exp(-x)); }

Output Project(const std::string& input) {
  Result r = RunCli({"project"}, input);
  EXPECT_EQ(r.code, kQuantExitOk) << r.err;
  EXPECT_THAT(r.err, IsEmpty());
  return Parse(r.out);
}

// ---------------------------------------------------------------------------------------------
// Reference cases (REFERENCE_CASES.md, summary table and closed forms)

TEST(QuantCommandTest, Case1SingleBinaryBlock) {
  const Output o =
      Project(R"({"blocks":[{"name":"M","outcomes":["YES","NO"],"prices":[0.62,0.33]}]})");
  EXPECT_NEAR(o.mu.at("YES"), 0.62 / 0.95, 1e-6);              // 0.652632
  EXPECT_NEAR(o.mu.at("NO"), 0.33 / 0.95, 1e-6);               // 0.347368
  EXPECT_NEAR(o.divergence, 0.95 - 1 - std::log(0.95), 1e-8);  // D_gen 0.001293
  EXPECT_NEAR(o.divergence_plain, -std::log(0.95), 1e-8);      // D_plain 0.051293
  EXPECT_LE(o.gap, 1e-9);
  EXPECT_EQ(o.stop, "gap");
  EXPECT_TRUE(o.arbitrage);
  EXPECT_NEAR(o.profit, 0.05, 1e-12);
  EXPECT_THAT(o.legs, ::testing::ElementsAre("buy YES 1 @0.62", "buy NO 1 @0.33"));
}

TEST(QuantCommandTest, Case2NegRiskYesSide) {
  const Output o = Project(
      R"({"blocks":[{"name":"E","outcomes":["o1","o2","o3","o4"],"prices":[0.30,0.25,0.20,0.15]}]})");
  const double expected[] = {0.30 / 0.9, 0.25 / 0.9, 0.20 / 0.9, 0.15 / 0.9};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(o.mu.at("o" + std::to_string(i + 1)), expected[i], 1e-6);
  EXPECT_NEAR(o.divergence, 0.9 - 1 - std::log(0.9), 1e-8);  // 0.005361
  EXPECT_LE(o.gap, 1e-9);
  EXPECT_NEAR(o.profit, 0.10, 1e-12);
  EXPECT_EQ(o.legs.size(), 4u);
}

TEST(QuantCommandTest, Case2bNegRiskNoSideInYesBidTerms) {
  const Output o = Project(
      R"({"blocks":[{"name":"E","outcomes":["o1","o2","o3","o4"],"prices":[0.32,0.27,0.22,0.21]}]})");
  const double expected[] = {0.313725, 0.264706, 0.215686, 0.205882};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(o.mu.at("o" + std::to_string(i + 1)), expected[i], 1e-6);
  EXPECT_NEAR(o.divergence, 0.02 - std::log(1.02), 1e-8);  // D_gen 0.000197
  EXPECT_NEAR(o.divergence_plain, -std::log(1.02), 1e-8);  // −0.019803
  EXPECT_LE(o.gap, 1e-9);
  EXPECT_NEAR(o.profit, 0.02, 1e-12);
  EXPECT_THAT(o.legs, ::testing::ElementsAre("sell o1 1 @0.32", "sell o2 1 @0.27",
                                             "sell o3 1 @0.22", "sell o4 1 @0.21"));
}

TEST(QuantCommandTest, Case3Implication) {
  const Output o = Project(Binary2(0.55, 0.48, R"({"implies":["A_yes","B_yes"]})"));
  const double m = Logistic(0.5 * (Logit(0.55) + Logit(0.48)));  // 0.515074
  EXPECT_NEAR(o.mu.at("A_yes"), m, 1e-6);
  EXPECT_NEAR(o.mu.at("B_yes"), m, 1e-6);
  EXPECT_NEAR(o.mu.at("A_no"), 1 - m, 1e-6);
  const double d = m * std::log(m / 0.55) + (1 - m) * std::log((1 - m) / 0.45) +
                   m * std::log(m / 0.48) + (1 - m) * std::log((1 - m) / 0.52);
  EXPECT_NEAR(d, 0.004917, 1e-6);
  EXPECT_NEAR(o.divergence, d, 1e-8);
  EXPECT_LE(o.gap, 1e-9);
  EXPECT_TRUE(o.arbitrage);
  EXPECT_NEAR(o.cost, 0.93, 1e-12);
  EXPECT_NEAR(o.profit, 0.07, 1e-12);
  EXPECT_THAT(o.legs, ::testing::ElementsAre("buy A_no 1 @0.45", "buy B_yes 1 @0.48"));
}

TEST(QuantCommandTest, Case3NoArbitrageWhenTheImplicationHolds) {
  const Output o = Project(Binary2(0.40, 0.48, R"({"implies":["A_yes","B_yes"]})"));
  EXPECT_NEAR(o.mu.at("A_yes"), 0.40, 1e-6);
  EXPECT_NEAR(o.mu.at("B_yes"), 0.48, 1e-6);
  EXPECT_NEAR(o.divergence, 0.0, 1e-8);
  EXPECT_FALSE(o.arbitrage);
}

TEST(QuantCommandTest, Case4MutualExclusion) {
  const Output o = Project(Binary2(0.60, 0.50, R"({"excludes":["A_yes","B_yes"]})"));
  const double ma = Logistic(0.5 * (Logit(0.60) - Logit(0.50)));  // 0.550510
  EXPECT_NEAR(o.mu.at("A_yes"), ma, 1e-6);
  EXPECT_NEAR(o.mu.at("B_yes"), 1 - ma, 1e-6);  // 0.449490
  const double d = ma * std::log(ma / 0.6) + (1 - ma) * std::log((1 - ma) / 0.4) +
                   (1 - ma) * std::log((1 - ma) / 0.5) + ma * std::log(ma / 0.5);
  EXPECT_NEAR(d, 0.010153, 1e-6);
  EXPECT_NEAR(o.divergence, d, 1e-8);
  EXPECT_LE(o.gap, 1e-9);
  EXPECT_NEAR(o.profit, 0.10, 1e-12);
  EXPECT_THAT(o.legs, ::testing::ElementsAre("buy A_no 1 @0.4", "buy B_no 1 @0.5"));
}

TEST(QuantCommandTest, Case4AsLinearAndAtMostOneGivesTheSameProjection) {
  const Output excludes = Project(Binary2(0.60, 0.50, R"({"excludes":["A_yes","B_yes"]})"));
  const Output at_most_one = Project(Binary2(0.60, 0.50, R"({"at_most_one":["A_yes","B_yes"]})"));
  const Output linear = Project(
      Binary2(0.60, 0.50, R"({"linear":{"terms":{"A_yes":1,"B_yes":1},"op":"<=","rhs":1}})"));
  const Output equivalent_no =
      Project(Binary2(0.60, 0.50, R"({"linear":{"terms":{"A_no":1,"B_no":1},"op":">=","rhs":1}})"));
  for (const Output* o : {&at_most_one, &linear, &equivalent_no}) {
    EXPECT_NEAR(o->divergence, excludes.divergence, 1e-10);
    for (const auto& [name, mu] : excludes.mu) EXPECT_NEAR(o->mu.at(name), mu, 1e-7) << name;
  }
}

// ---------------------------------------------------------------------------------------------
// Input sources, fixtures, output formats

TEST(QuantCommandTest, ReadsStdinWhenInputIsOmittedOrDash) {
  std::ifstream fixture(DataPath("implication.json"));
  const std::string text((std::istreambuf_iterator<char>(fixture)),
                         std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  const Result implicit = RunCli({"project"}, text);
  const Result dash = RunCli({"project", "--input", "-"}, text);
  const Result inline_dash = RunCli({"project", "--input=-"}, text);
  const Result file = RunCli({"project", "--input", DataPath("implication.json")});
  ASSERT_EQ(implicit.code, kQuantExitOk) << implicit.err;
  EXPECT_EQ(dash.out, implicit.out);
  EXPECT_EQ(inline_dash.out, implicit.out);
  ASSERT_EQ(file.code, kQuantExitOk) << file.err;
  EXPECT_EQ(file.out, implicit.out);
  EXPECT_NEAR(Parse(file.out).divergence, 0.0049165020, 1e-9);  // the fixture is case 3
}

TEST(QuantCommandTest, Fixtures) {
  const Output exclusion = Parse(RunCli({"project", "--input", DataPath("exclusion.json")}).out);
  EXPECT_NEAR(exclusion.divergence, 0.0101534234, 1e-9);  // case 4
  const Output nomination = Parse(RunCli({"project", "--input", DataPath("nomination.json")}).out);
  EXPECT_TRUE(nomination.arbitrage);
  EXPECT_LE(nomination.gap, 1e-9);
  // Smith wins PA ⇔ Smith is the nominee and the party wins PA (implies + the linear row):
  // μ lies within the Fréchet bounds of an AND.
  EXPECT_GE(nomination.mu.at("smith_pa_yes"),
            nomination.mu.at("nom_smith") + nomination.mu.at("party_pa_yes") - 1 - 1e-9);
  EXPECT_LE(nomination.mu.at("smith_pa_yes"), nomination.mu.at("nom_smith") + 1e-9);
  EXPECT_LE(nomination.mu.at("smith_pa_yes"), nomination.mu.at("party_pa_yes") + 1e-9);
  EXPECT_LE(nomination.mu.at("win_smith"), nomination.mu.at("nom_smith") + 1e-9);
  const Output bracket = Parse(RunCli({"project", "--input", DataPath("bracket4.json")}).out);
  EXPECT_EQ(bracket.mu.size(), 24u);
  EXPECT_LE(bracket.gap, 1e-9);
  EXPECT_NEAR(bracket.mu.at("r1.t0"), bracket.mu.at("r1.t0.yes"), 1e-9);  // equivalent
  EXPECT_LE(bracket.mu.at("r2.t3"), bracket.mu.at("r1.t3") + 1e-9);       // implies
}

TEST(QuantCommandTest, TableOutput) {
  const Result r =
      RunCli({"project", "--output", "table", "--input", DataPath("implication.json")});
  ASSERT_EQ(r.code, kQuantExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("OUTCOME  BLOCK       PRICE          MU    MU-PRICE  LEG\n"));
  EXPECT_THAT(r.out, HasSubstr("A_no     A        0.450000    0.484926   +0.034926  BUY 1\n"));
  EXPECT_THAT(r.out, HasSubstr("divergence 0.0049165020"));
  EXPECT_THAT(r.out, HasSubstr("arbitrage: guaranteed profit 0.070000 per set (cost 0.930000, "
                               "worst-case payoff 1.000000)\n"));
  const Result none =
      RunCli({"project", "--output=table"}, Binary2(0.4, 0.48, R"({"implies":["A_yes","B_yes"]})"));
  EXPECT_THAT(none.out, HasSubstr("no arbitrage\n"));
}

TEST(QuantCommandTest, IterationLimitWarnsAndPrintsTheCertifiedIterate) {
  const Result r = RunCli(
      {"project", "--max-iterations", "1", "--gap", "1e-15", "--input", DataPath("bracket4.json")});
  ASSERT_EQ(r.code, kQuantExitOk) << r.err;
  EXPECT_THAT(r.err, HasSubstr("arborctl quant project: warning: stopped at the iteration limit "
                               "(1) with gap"));
  const Output o = Parse(r.out);
  EXPECT_EQ(o.stop, "iteration_limit");
  EXPECT_EQ(o.iterations, 1);
  EXPECT_GT(o.gap, 1e-15);
}

TEST(QuantCommandTest, GapOptionLoosensTheStop) {
  const Output tight = Parse(RunCli({"project", "--input", DataPath("bracket4.json")}).out);
  const Output loose =
      Parse(RunCli({"project", "--gap", "0.05", "--input", DataPath("bracket4.json")}).out);
  EXPECT_LE(loose.gap, 0.05);
  EXPECT_LE(loose.iterations, tight.iterations);
  EXPECT_GE(loose.divergence + 1e-12, tight.divergence - tight.gap);
}

// ---------------------------------------------------------------------------------------------
// Errors: exit 2 with the JSON path, nothing on stdout

struct ErrorCase {
  const char* input;
  const char* message;
};

constexpr char kAB[] = R"({"name":"A","outcomes":["A_yes","A_no"],"prices":[0.5,0.5]},)"
                       R"({"name":"B","outcomes":["B_yes","B_no"],"prices":[0.5,0.5]})";

std::string WithConstraints(const std::string& constraints) {
  return std::string(R"({"blocks":[)") + kAB + R"(],"constraints":)" + constraints + "}";
}

TEST(QuantCommandTest, InputErrorsNameTheOffendingEntry) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "input: malformed JSON"},
      {"[]", "input: expected an object, got an array"},
      {R"({"blocks":[],"extra":1})", "blocks: at least one block is needed"},
      {R"({"blockz":[]})", "blockz: unknown key (expected blocks, constraints)"},
      {R"({"constraints":[]})", "input: missing \"blocks\""},
      {R"({"blocks":{}})", "blocks: expected an array of block objects, got an object"},
      {R"({"blocks":[1]})", "blocks[0]: expected an object, got an integer"},
      {R"({"blocks":[1.5]})", "blocks[0]: expected an object, got a number"},
      {R"({"blocks":[{"name":"A","outcomes":["x"],"prices":[0.5],"fee":0}]})",
       "blocks[0].fee: unknown key (expected name, outcomes, prices)"},
      {R"({"blocks":[{"name":7,"outcomes":["x"],"prices":[0.5]}]})",
       "blocks[0].name: expected a string, got an integer"},
      {R"({"blocks":[{"name":"","outcomes":["x"],"prices":[0.5]}]})", "blocks[0].name: empty name"},
      {R"({"blocks":[{"name":"A","outcomes":["x","y"],"prices":[0.5,"0.5"]}]})",
       "blocks[0].prices[1]: expected a number, got a string"},
      {R"({"blocks":[{"name":"A","outcomes":["x","y"],"prices":[0.5,0]}]})",
       "blocks[0].prices[1]: price must be > 0, got 0"},
      {R"({"blocks":[{"name":"A","outcomes":["x","y"],"prices":[0.5]}]})",
       "blocks[0].prices: 1 prices for 2 outcomes"},
      {R"({"blocks":[{"name":"A","outcomes":[],"prices":[]}]})",
       "blocks[0].outcomes: a block needs at least one outcome"},
      {R"({"blocks":[{"name":"A","outcomes":["x",null],"prices":[0.5,0.5]}]})",
       "blocks[0].outcomes[1]: expected a string, got null"},
      {R"({"blocks":[{"name":"A","outcomes":["x","x"],"prices":[0.5,0.5]}]})",
       "blocks[0].outcomes[1]: duplicate outcome name 'x'"},
      {R"({"blocks":[{"name":"A","outcomes":["x"],"prices":[1]},{"name":"B","outcomes":["x"],"prices":[1]}]})",
       "blocks[1].outcomes[0]: duplicate outcome name 'x' (also in block 'A')"},
      {R"({"blocks":[{"name":"A","outcomes":["x"],"prices":[1]},{"name":"A","outcomes":["y"],"prices":[1]}]})",
       "blocks[1].name: duplicate block name 'A'"},
      {R"({"blocks":[{"name":"A","outcomes":["x"]}]})", "blocks[0]: missing \"prices\""},
      {R"({"blocks":[{"outcomes":["x"],"prices":[1]}]})", "blocks[0]: missing \"name\""},
      {R"({"blocks":[{"name":"A","outcomes":["x"],"prices":[1],"name":"B"}]})",
       "blocks[0][\"name\"]: key given twice"},
      {R"({"constraints":[],"constraints":[]})", "input[\"constraints\"]: key given twice"},
      {WithConstraints("{}"),
       "constraints: expected an array of constraint objects, got an object"},
      {WithConstraints(R"([{"implies":["A_yes","C_yes"]}])"),
       "constraints[0].implies[1]: unknown outcome 'C_yes'"},
      {WithConstraints(R"([{"excludes":["A_yes"]}])"),
       "constraints[0].excludes: expected exactly 2 names, got 1"},
      {WithConstraints(R"([{"equivalent":["A_yes","B_yes","B_no"]}])"),
       "constraints[0].equivalent: expected exactly 2 names, got 3"},
      {WithConstraints(R"([{"equivalent":"A_yes"}])"),
       "constraints[0].equivalent: expected an array of names, got a string"},
      {WithConstraints(R"([{"implies":["A_yes",1]}])"),
       "constraints[0].implies[1]: expected a string, got an integer"},
      {WithConstraints(R"([{"at_most_one":[]}])"),
       "constraints[0].at_most_one: expected at least 1 name"},
      {WithConstraints(
           R"([{"implies":["A_yes","B_yes"]},{"implies":["A_yes","B_yes"],"excludes":["A_yes","B_yes"]}])"),
       "constraints[1]: more than one constraint kind"},
      {WithConstraints(R"([{}])"), "constraints[0]: empty constraint (expected one of implies"},
      {WithConstraints(R"([{"requires":["A_yes","B_yes"]}])"),
       "constraints[0].requires: unknown constraint kind"},
      {WithConstraints(R"([7])"), "constraints[0]: expected an object, got an integer"},
      {WithConstraints(R"([{"linear":{"terms":{"A_yes":1},"op":"<","rhs":1}}])"),
       "constraints[0].linear.op: expected \"<=\", \">=\" or \"=\", got '<'"},
      {WithConstraints(R"([{"linear":{"terms":{"zz":1},"op":"<=","rhs":1}}])"),
       "constraints[0].linear.terms[\"zz\"]: unknown outcome 'zz'"},
      {WithConstraints(R"([{"linear":{"terms":{"A_yes":"1"},"op":"<=","rhs":1}}])"),
       "constraints[0].linear.terms[\"A_yes\"]: expected a number, got a string"},
      {WithConstraints(R"([{"linear":{"terms":{"A_yes":1,"A_yes":2},"op":"<=","rhs":1}}])"),
       "constraints[0].linear.terms[\"A_yes\"]: key given twice"},
      {WithConstraints(R"([{"linear":{"terms":{},"op":"<=","rhs":1}}])"),
       "constraints[0].linear.terms: at least one term is needed"},
      {WithConstraints(R"([{"linear":{"terms":{"A_yes":1},"op":"<="}}])"),
       "constraints[0].linear: missing \"rhs\""},
      {WithConstraints(R"([{"linear":{"terms":{"A_yes":1},"rhs":1}}])"),
       "constraints[0].linear: missing \"op\""},
      {WithConstraints(R"([{"linear":{"terms":{"A_yes":1},"op":"=","rhs":1,"weight":2}}])"),
       "constraints[0].linear.weight: unknown key (expected terms, op, rhs)"},
      {WithConstraints(R"([{"linear":{"terms":{"A_yes":1},"op":"=","rhs":true}}])"),
       "constraints[0].linear.rhs: expected a number, got a boolean"},
  };
  for (const auto& [input, message] : cases) {
    const Result r = RunCli({"project"}, input);
    EXPECT_EQ(r.code, kQuantExitBadInput) << input;
    EXPECT_THAT(r.err, HasSubstr("arborctl quant project: " + message)) << input;
    EXPECT_THAT(r.out, IsEmpty()) << input;
  }
}

TEST(QuantCommandTest, InfeasibleConstraintSetIsBadInput) {
  // A_yes ⇒ B_yes, A_no ⇒ B_yes, and B_yes excluded with itself: no joint outcome.
  const Result r = RunCli({"project"}, WithConstraints(R"([{"implies":["A_yes","B_yes"]},
      {"implies":["A_no","B_yes"]},{"excludes":["B_yes","B_yes"]}])"));
  EXPECT_EQ(r.code, kQuantExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("arborctl quant project: constraint set is infeasible"));
  EXPECT_THAT(r.out, IsEmpty());
  // Contradictory equivalences are found by the oracle's presolve.
  const Result eq = RunCli({"project"}, WithConstraints(R"([{"equivalent":["A_yes","A_no"]}])"));
  EXPECT_EQ(eq.code, kQuantExitBadInput);
  EXPECT_THAT(eq.err, HasSubstr("constraint set is infeasible"));
}

TEST(QuantCommandTest, FlagErrorsAndHelp) {
  const std::string input = DataPath("implication.json");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "arborctl quant: missing subcommand (project)"},
      {{"solve"}, "arborctl quant: unknown subcommand 'solve'"},
      {{"project", "--bogus"}, "arborctl quant: unknown argument '--bogus'"},
      {{"project", input}, "unknown argument '" + input + "'"},
      {{"project", "--gap"}, "arborctl quant: --gap needs a value"},
      {{"project", "--gap", "abc"}, "--gap: expected a number > 0, got 'abc'"},
      {{"project", "--gap", "0"}, "--gap: expected a number > 0, got '0'"},
      {{"project", "--gap=-1"}, "--gap: expected a number > 0, got '-1'"},
      {{"project", "--gap", "inf"}, "--gap: expected a number > 0, got 'inf'"},
      {{"project", "--max-iterations", "0"},
       "--max-iterations: expected an integer in [1, 10000000], got '0'"},
      {{"project", "--max-iterations", "2.5"},
       "--max-iterations: expected an integer in [1, 10000000], got '2.5'"},
      {{"project", "--output", "xml"}, "--output: expected json or table, got 'xml'"},
      {{"project", "--input", input, "--input", input}, "--input given twice"},
      {{"project", "--input", "/nonexistent/cluster.json"},
       "--input: cannot open '/nonexistent/cluster.json'"},
  };
  for (const auto& [args, message] : cases) {
    const Result r = RunCli(args);
    EXPECT_EQ(r.code, kQuantExitBadInput) << message;
    EXPECT_THAT(r.err, HasSubstr(message));
    EXPECT_THAT(r.out, IsEmpty());
  }
  for (const std::vector<std::string>& help : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"project", "--help"}, {"project", "--gap", "1", "-h"}}) {
    const Result r = RunCli(help);
    EXPECT_EQ(r.code, kQuantExitOk);
    EXPECT_THAT(r.out, HasSubstr("usage: arborctl quant project [--input FILE|-] [--gap D]"));
    EXPECT_THAT(r.err, IsEmpty());
  }
}

TEST(QuantCommandTest, RunQuantProjectRejectsBadOptions) {
  const std::string input = Binary2(0.5, 0.5, "");
  EXPECT_EQ(RunQuantProject(input, {.gap_tolerance = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunQuantProject(input, {.max_iterations = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(RunQuantProject(input, {}).ok());
}

// ---------------------------------------------------------------------------------------------
// The generators' JSON (projection_bench --emit-json, the SLSQP cross-check's input) reads back
// into the same model and the same projection.

TEST(QuantCommandTest, GeneratorJsonRoundTrips) {
  for (auto made : {quant::bench::MakeBracket({.teams = 8, .noise = 0.2, .seed = 4}),
                    quant::bench::MakeElection({.states = 3,
                    .parties = 2,
                    .candidates = 2,
                    .margin_markets = true,
                    .state_candidate_markets = true,
                    .electoral_votes = {2, 2, 4},
                    .noise = 0.2})}) {
    ASSERT_TRUE(made.ok()) << made.status();
    const std::string json = quant::bench::ModelToJson(*made);
    absl::StatusOr<quant::PolytopeModel> parsed = ParseQuantInput(json);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_EQ(parsed->num_outcomes(), made->num_outcomes());
    EXPECT_EQ(parsed->prices(), made->prices());
    EXPECT_EQ(parsed->constraints().size(), made->constraints().size());
    for (int i = 0; i < made->num_outcomes(); ++i) {
      EXPECT_EQ(parsed->outcome_name(i), made->outcome_name(i));
    }
    auto oracle = quant::CbcOracle::Create(*made);
    ASSERT_TRUE(oracle.ok());
    quant::BarrierFrankWolfe fw(*made, **oracle);
    auto direct = fw.Project(made->prices());
    ASSERT_TRUE(direct.ok()) << direct.status();
    const Output o = Project(json);
    EXPECT_NEAR(o.divergence, direct->divergence, 1e-9);
    for (int i = 0; i < made->num_outcomes(); ++i) {
      EXPECT_NEAR(o.mu.at(made->outcome_name(i)), direct->mu[i], 1e-6);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The real binary: dispatch from main.cc, exit codes, stdin.

int System(const std::string& command, std::string* out) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out->append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(QuantCommandTest, Binary) {
  const std::string bin = ARBORCTL_BINARY;
  std::string out;
  EXPECT_EQ(System(bin + " quant project < " + DataPath("implication.json"), &out), 0);
  EXPECT_NEAR(Parse(out).profit, 0.07, 1e-12);
  out.clear();
  EXPECT_EQ(System(bin + " quant project --input /nonexistent 2>/dev/null", &out), 2);
  EXPECT_EQ(System("echo '{\"blocks\":[]}' | " + bin + " quant project 2>&1", &out), 2);
  EXPECT_THAT(out, HasSubstr("arborctl quant project: blocks: at least one block is needed"));
  out.clear();
  EXPECT_EQ(System(bin + " help", &out), 0);
  EXPECT_THAT(out, HasSubstr("  quant project [--input FILE|-]"));
}

}  // namespace
}  // namespace arbor::arborctl
