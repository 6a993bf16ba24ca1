#include "xclear/actor.h"

#include <gtest/gtest.h>

namespace xclear {
namespace {

TEST(Actor, TextRoundTripsAndOlderFormsAreRead) {
  for (const Actor& actor : {Actor::Province(110000, "beijing-finance"),
                             Actor::Operator("month-end"), Actor{Role::kAuditor, 0, "nao.1"}}) {
    auto parsed = Actor::Parse(actor.ToString());
    ASSERT_TRUE(parsed.ok()) << actor.ToString();
    EXPECT_EQ(parsed->ToString(), actor.ToString());
    EXPECT_EQ(parsed->role, actor.role);
    EXPECT_EQ(parsed->province, actor.province);
  }
  EXPECT_EQ(Actor::Province(110000, "x").ToString(), "province:110000/x");
  EXPECT_EQ(Actor::Operator("alice").ToString(), "operator/alice");
  // Ledgers written before 2026-12 carry "operator:alice" and "province:110000".
  EXPECT_EQ(Actor::Parse("operator:alice")->ToString(), "operator/alice");
  EXPECT_EQ(Actor::Parse("province:310000")->ToString(), "province:310000/unnamed");
  for (const char* bad : {"", "alice", "province:11000/x", "province:110000/", "root/x",
                          "operator/has space", "auditor/", "province/x"}) {
    EXPECT_FALSE(Actor::Parse(bad).ok()) << bad;
  }
}

TEST(Policy, EveryOperationHasItsRowAndTheRolesAreWhatSpecSays) {
  // Auditors read and write nothing; provinces never run jobs; the operator does not act as a
  // province through the API.
  for (int i = 0; i <= static_cast<int>(Operation::kAdminister); ++i) {
    const auto operation = static_cast<Operation>(i);
    EXPECT_FALSE(OperationName(operation).empty());
    const bool reads = operation == Operation::kRead || operation == Operation::kReadNational;
    EXPECT_EQ(Permits(Role::kAuditor, operation), reads) << OperationName(operation);
  }
  EXPECT_TRUE(Permits(Role::kProvince, Operation::kDeclare));
  EXPECT_FALSE(Permits(Role::kOperator, Operation::kDeclare));
  EXPECT_FALSE(Permits(Role::kProvince, Operation::kReadNational));
  EXPECT_FALSE(Permits(Role::kProvince, Operation::kRunClearing));
  EXPECT_TRUE(Permits(Role::kOperator, Operation::kRunClearing));
  EXPECT_TRUE(Permits(Role::kOperator, Operation::kActForProvince));
  EXPECT_FALSE(Permits(Role::kProvince, Operation::kActForProvince));
  const Status refused = CheckPermitted(Actor{Role::kAuditor, 0, "nao"}, Operation::kConfirm);
  EXPECT_EQ(refused.code(), ErrorCode::kRefused);
  EXPECT_EQ(refused.message(), "the auditor role may not confirm a statement");
}

}  // namespace
}  // namespace xclear
