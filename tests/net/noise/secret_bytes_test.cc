#include "net/noise/secret_bytes.h"

#include <catch2/catch.hpp>

namespace shoal::net {

TEST_CASE("SecretBytes starts zeroed, moves ownership and wipes on request", "[net][noise]") {
  REQUIRE(EnsureSodium());
  auto secret = SecretBytes::Allocate(32);
  REQUIRE(secret);
  CHECK(Bytes(secret->view().begin(), secret->view().end()) == Bytes(32, 0));
  secret->data()[0] = 0x42;
  const std::uint8_t* address = secret->data();

  SecretBytes moved(std::move(*secret));
  CHECK(secret->empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  CHECK(moved.data() == address);
  CHECK(moved.data()[0] == 0x42);

  SecretBytes assigned;
  assigned = std::move(moved);
  CHECK(assigned.size() == 32);
  assigned.Wipe();
  CHECK(assigned.data()[0] == 0);
}

TEST_CASE("SecretBytes::CopyOf copies, and empty input owns nothing", "[net][noise]") {
  Bytes key = {1, 2, 3};
  auto copy = SecretBytes::CopyOf(key);
  REQUIRE(copy);
  CHECK(Bytes(copy->view().begin(), copy->view().end()) == key);
  auto empty = SecretBytes::CopyOf({});
  REQUIRE(empty);
  CHECK(empty->empty());
  CHECK(empty->data() == nullptr);
}

}  // namespace shoal::net
