#include "cairn/flat_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cairn {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(FlatMap, KeepsKeysSortedWhateverTheInsertionOrder) {
  FlatMap<int> map;
  map["s2"] = 2;
  map.emplace("a", 1);
  map["z"] = 3;
  map["s10"] = 4;
  EXPECT_THAT(map, ElementsAre(Pair("a", 1), Pair("s10", 4), Pair("s2", 2), Pair("z", 3)));
}

TEST(FlatMap, EmplaceDoesNotOverwriteAndIndexingCreatesOnce) {
  FlatMap<int> map;
  EXPECT_TRUE(map.emplace("k", 1).second);
  const auto [it, inserted] = map.emplace("k", 2);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(it->second, 1);
  map["k"] += 10;
  EXPECT_EQ(map.at("k"), 11);
  EXPECT_EQ(map.size(), 1U);
}

TEST(FlatMap, FindEraseAndContainsAgree) {
  FlatMap<std::string> map;
  map["b"] = "x";
  map["a"] = "y";
  EXPECT_TRUE(map.contains("a"));
  EXPECT_EQ(map.find("c"), map.end());
  map.erase(map.find("a"));
  EXPECT_FALSE(map.contains("a"));
  const FlatMap<std::string>& view = map;
  ASSERT_NE(view.find("b"), view.end());
  EXPECT_EQ(view.find("b")->second, "x");
  EXPECT_THROW((void)view.at("a"), std::out_of_range);
}

}  // namespace
}  // namespace cairn
