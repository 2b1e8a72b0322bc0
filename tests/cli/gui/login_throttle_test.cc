// LoginThrottle: the wait after too many wrong logins, per address.
#include "cli/gui/login_throttle.h"

#include <catch2/catch.hpp>

#include <random>
#include <string>

namespace shoal::cli {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = LoginThrottle::Clock;

}  // namespace

TEST_CASE("gui: five wrong logins are free and then each one doubles the wait up to 5 minutes",
          "[gui]") {
  LoginThrottle throttle;
  Clock::time_point now{};
  const std::string who = "192.168.1.7";
  for (int i = 0; i < LoginThrottle::kFreeFailures; ++i) {
    CHECK(throttle.WaitFor(who, now) == milliseconds(0));
    throttle.Failed(who, now);
  }
  CHECK(throttle.WaitFor(who, now) == milliseconds(0));  // the fifth failure cost nothing
  seconds expected{1};
  for (int i = 0; i < 12; ++i) {
    throttle.Failed(who, now);
    INFO("failure " << LoginThrottle::kFreeFailures + 1 + i);
    CHECK(throttle.WaitFor(who, now) == expected);
    CHECK(throttle.WaitFor(who, now + expected - milliseconds(1)) == milliseconds(1));
    now += expected;
    CHECK(throttle.WaitFor(who, now) == milliseconds(0));
    expected = std::min<seconds>(expected * 2, LoginThrottle::kMaxWait);
  }
  CHECK(expected == seconds(300));
  // Another address is not held up, and a right login clears this one.
  CHECK(throttle.WaitFor("192.168.1.8", now) == milliseconds(0));
  throttle.Failed(who, now);
  CHECK(throttle.WaitFor(who, now) == seconds(300));
  throttle.Succeeded(who);
  CHECK(throttle.WaitFor(who, now) == milliseconds(0));
  throttle.Failed(who, now);
  CHECK(throttle.WaitFor(who, now) == milliseconds(0));  // counting starts again
}

TEST_CASE("gui: login failures count per IPv4 address and per IPv6 /64", "[gui]") {
  CHECK(LoginThrottle::KeyFor("10.0.0.5") == "10.0.0.5");
  CHECK(LoginThrottle::KeyFor("::ffff:10.0.0.5") == "10.0.0.5");
  CHECK(LoginThrottle::KeyFor("2001:db8:1:2:aaaa::1") == "2001:0db8:0001:0002::/64");
  CHECK(LoginThrottle::KeyFor("2001:db8:1:2:ffff:1:2:3") ==
        LoginThrottle::KeyFor("2001:db8:1:2::9"));
  CHECK(LoginThrottle::KeyFor("2001:db8:1:3::9") != LoginThrottle::KeyFor("2001:db8:1:2::9"));
  CHECK(LoginThrottle::KeyFor("not an address") == "not an address");
}

TEST_CASE("gui: the login throttle remembers a bounded number of addresses", "[gui]") {
  // Seeded: a flood of failures from random addresses never grows the table
  // past its bound, and an address still waiting is not the one forgotten
  // while others idled longer.
  std::mt19937 random(16);
  LoginThrottle throttle;
  Clock::time_point now{};
  const std::string patient = "192.168.0.1";
  for (int i = 0; i < LoginThrottle::kFreeFailures + 1; ++i) throttle.Failed(patient, now);
  for (std::size_t i = 0; i < LoginThrottle::kMaxTracked * 2; ++i) {
    now += milliseconds(1);
    if (i % 1000 == 0) throttle.Failed(patient, now);  // keeps it among the recent
    throttle.Failed("10." + std::to_string(random() % 256) + "." + std::to_string(random() % 256) +
                        "." + std::to_string(random() % 256),
                    now);
    REQUIRE(throttle.tracked() <= LoginThrottle::kMaxTracked);
  }
  CHECK(throttle.tracked() == LoginThrottle::kMaxTracked);
  CHECK(throttle.WaitFor(patient, now) > milliseconds(0));
}

}  // namespace shoal::cli
