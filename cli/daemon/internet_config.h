// InternetConfig: how this device reaches peers beyond the LAN, kept in
// <home>/internet.json (mode 0600: relay URLs carry their secret). Today:
// the TURN relays (`shoal daemon --relay`, `shoal internet set`), the
// discovery server used for rendezvous (`--discovery`) and whether the
// listening port is mapped on the router (`--no-port-mapping`). Nothing
// outside the LAN is contacted unless it is configured here.
//
// Thread: any (plain file I/O).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "net/reach/discovery_server.h"
#include "net/reach/turn_config.h"

namespace shoal::cli {

struct InternetConfig {
  std::vector<net::TurnServer> relays;
  std::optional<net::DiscoveryServer> discovery;  // rendezvous (a Syncthing discovery server)
  bool port_mapping = true;  // map the listening port on the router (NAT-PMP, UPnP)
  friend bool operator==(const InternetConfig&, const InternetConfig&) = default;
};

inline std::string InternetConfigPath(const std::string& home) { return home + "/internet.json"; }

// A missing file is the empty config; a malformed one is kCorrupt.
Result<InternetConfig> LoadInternetConfig(const std::string& home);
// Replaces the file (temp file 0600, fsync, rename, fsync the directory).
Result<void> SaveInternetConfig(const std::string& home, const InternetConfig& config);

}  // namespace shoal::cli
