// What every command that talks to the daemon shares: finding the home and
// the control socket, one request/response round trip, and printing the
// result or the error (one plain sentence, exit code 1; 3 when the daemon
// is not running — docs/cli.md "Exit codes").
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "net/control/control_client.h"

namespace shoal::cli {

inline constexpr int kExitFailed = 1;
inline constexpr int kExitNoDaemon = 3;

// Options every daemon command takes (set on the app, inherited by all).
struct ClientOptions {
  std::string home;  // --home; empty: SHOAL_HOME or the default
  bool json = false;
};

Result<net::ControlClient> ConnectDaemon(const ClientOptions& options);

// Prints `error` on stderr as "shoal: <sentence>" and returns its exit code.
int ReportError(const Error& error);

// Sends `request`; on success prints the result (raw JSON with --json, else
// through `human`) and returns 0; on failure reports it.
int CallAndPrint(const ClientOptions& options, const nlohmann::json& request,
                 const std::function<void(const nlohmann::json& result)>& human);

// "1.2 MB", "340 B": sizes for people.
std::string HumanBytes(double bytes);

// "laptop (MFZWI3D)": a device as people know it, its name and enough of
// its ID to tell it apart (the 7 characters commands accept); the whole ID
// when it has no name. `device` has `name` and `id` (`device_name` and
// `device` in share replies: give those keys).
std::string DeviceLabel(const nlohmann::json& device, const char* name_key = "name",
                        const char* id_key = "id");

// " (LAN)", " (relayed)" or " (punched)" for a device entry of
// `devices`/`status` whose session takes that path; "" for a direct one
// (across the internet) or none.
std::string PathNote(const nlohmann::json& device);

// A status PortMapping in one line: "mapped tcp://5.1.1.1:22011 (NAT-PMP)",
// "double NAT", "off" (its error, if any, is not included).
std::string PortMappingSummary(const nlohmann::json& mapping);

}  // namespace shoal::cli
