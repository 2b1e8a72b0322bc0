// `shoal devices [list|add|remove|rename|pause|resume]`.
#include <cstdio>
#include <memory>

#include "cli/commands/commands.h"
#include "cli/commands/daemon_client.h"

namespace shoal::cli {
namespace {

struct DeviceArgs {
  std::string device;
  std::string name;
  std::string address;
};

void PrintDevices(const nlohmann::json& r) {
  if (r["devices"].empty()) {
    std::printf("no paired devices — pair one with `shoal pair`\n");
    return;
  }
  for (const auto& d : r["devices"]) {
    std::string state = d.value("paused", false)      ? "paused"
                        : d.value("connected", false) ? "connected " + d.value("address", "")
                                                      : "not connected";
    state += PathNote(d);
    if (!d.value("connected", false) && d.contains("unreachable")) {
      state += ": " + d.value("unreachable", "");
    } else if (!d.value("connected", false) && d.contains("last_error")) {
      state += ": " + d.value("last_error", "");
    }
    std::printf("%-16s %s\n    %s   in %s, out %s\n", d.value("name", "").c_str(),
                d.value("id", "").c_str(), state.c_str(),
                HumanBytes(d.value("bytes_in", 0.0)).c_str(),
                HumanBytes(d.value("bytes_out", 0.0)).c_str());
  }
}

}  // namespace

void RegisterDeviceCommands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<DeviceArgs>();
  CLI::App* devices = app.add_subcommand("devices", "List and manage paired devices");
  devices->require_subcommand(0, 1);
  devices->callback([devices, &context] {
    if (!devices->get_subcommands().empty()) return;
    context.exit_code = CallAndPrint(context.client, {{"cmd", "devices"}}, PrintDevices);
  });
  CLI::App* list = devices->add_subcommand("list", "List paired devices (the default)");
  list->callback([&context] {
    context.exit_code = CallAndPrint(context.client, {{"cmd", "devices"}}, PrintDevices);
  });

  CLI::App* add = devices->add_subcommand(
      "add", "Trust a device by its ID (pairs once both sides have added each other)");
  add->add_option("DEVICE-ID", args->device, "The other device's ID (`shoal id` there)")
      ->required();
  add->add_option("--address", args->address, "Where to reach it, HOST:PORT");
  add->add_option("--name", args->name, "A name for it");
  add->callback([args, &context] {
    nlohmann::json request{{"cmd", "device-add"}, {"device", args->device}};
    if (!args->address.empty()) request["address"] = args->address;
    if (!args->name.empty()) request["name"] = args->name;
    context.exit_code = CallAndPrint(context.client, request, [](const nlohmann::json& r) {
      std::printf("added %s; it connects once that device has added this one too\n",
                  DeviceLabel(r).c_str());
    });
  });

  struct Simple {
    const char* name;
    const char* help;
    const char* cmd;
    const char* done;  // what the reply says, after the device
  };
  for (const Simple& s : {Simple{"remove", "Forget a device (unpair)", "device-remove",
                                 "is removed; pair again to sync with it"},
                          Simple{"pause", "Stop syncing with a device for now", "device-pause",
                                 "is paused; nothing syncs with it until `shoal devices resume`"},
                          Simple{"resume", "Sync with a paused device again", "device-resume",
                                 "is resumed; syncing with it again"}}) {
    CLI::App* sub = devices->add_subcommand(s.name, s.help);
    sub->add_option("DEVICE", args->device, "Device ID, its first 7+ characters, or name")
        ->required();
    std::string cmd = s.cmd;
    std::string done = s.done;
    sub->callback([args, cmd, done, &context] {
      context.exit_code =
          CallAndPrint(context.client, {{"cmd", cmd}, {"device", args->device}},
                       [done](const nlohmann::json& r) {
                         std::printf("%s %s\n", DeviceLabel(r).c_str(), done.c_str());
                       });
    });
  }
  CLI::App* rename = devices->add_subcommand("rename", "Give a device a new name");
  rename->add_option("DEVICE", args->device, "Device ID, its first 7+ characters, or name")
      ->required();
  rename->add_option("NAME", args->name, "The new name")->required();
  rename->callback([args, &context] {
    context.exit_code = CallAndPrint(
        context.client, {{"cmd", "device-rename"}, {"device", args->device}, {"name", args->name}},
        [](const nlohmann::json& r) {
          std::printf("%s is now called %s\n", r.value("id", "").substr(0, 7).c_str(),
                      r.value("name", "").c_str());
        });
  });
}

}  // namespace shoal::cli
