// scenario/explore_test.cpp — the seed explorer: a seed always makes the same
// file, the files load and pass, and the checks fire when a run breaks them.
#include "scenario/explore.hpp"

#include <gtest/gtest.h>

namespace wirestack::scenario {
namespace {

TEST(Explore, ASeedAlwaysMakesTheSameNetworkAndSeedsDiffer) {
  const ExploreCase a = make_case(7);
  const ExploreCase b = make_case(7);
  EXPECT_EQ(a.toml, b.toml);
  EXPECT_EQ(a.must_finish, b.must_finish);
  EXPECT_NE(a.toml, make_case(8).toml);
}

TEST(Explore, GeneratedFilesLoadRunAndPass) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const ExploreCase c = make_case(seed);
    const ExploreVerdict v = run_case(c, nullptr);
    EXPECT_TRUE(v.ok) << "seed " << seed << ": " << (v.problems.empty() ? "" : v.problems.front()) << "\n" << c.toml;
    EXPECT_GT(v.frames, 0u) << "seed " << seed;
  }
}

TEST(Explore, AnExchangeThatNeverCompletesIsALivenessFailure) {
  // A client of a server nobody started: the checker must say so.
  ExploreCase c;
  c.seed = 1;
  c.toml = R"([scenario]
until = 5
[[host]]
name = "a"
[[host]]
name = "b"
[[link]]
from = "a"
from_address = "10.0.0.1/24"
to = "b"
to_address = "10.0.0.2/24"
[[app]]
type = "rpc_client"
host = "a"
label = "lonely"
to = "10.0.0.2:7000"
)";
  c.must_finish = {"lonely"};
  const ExploreVerdict v = run_case(c, nullptr);
  EXPECT_FALSE(v.ok);
  ASSERT_EQ(v.problems.size(), 1u);
  EXPECT_EQ(v.problems[0].rfind("liveness: lonely: ", 0), 0u) << v.problems[0];
}

TEST(Explore, AFileThatDoesNotLoadIsReported) {
  ExploreCase c;
  c.toml = "[[host]]\nname = 3\n";
  const ExploreVerdict v = run_case(c, nullptr);
  EXPECT_FALSE(v.ok);
  ASSERT_FALSE(v.problems.empty());
  EXPECT_NE(v.problems[0].find("does not load"), std::string::npos) << v.problems[0];
}

}  // namespace
}  // namespace wirestack::scenario
