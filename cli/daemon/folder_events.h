// FolderEvents: the control socket's `folder` events (docs/api.md "Events").
// A change only marks its folder; at most once per kInterval the marked
// folders' status is computed and published, to subscribers only and only
// when it differs from the last one sent. A status costs queries over the
// folder; a pull pass per index batch must not pay one each (issue 12: it
// was most of a sender's CPU).
//
// Thread: the loop thread. The runners and the index outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/daemon/folder_runners.h"
#include "core/store/index.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"

namespace shoal::cli {

// Where events go: the control socket's subscribers and the web
// interface's /events streams (Daemon::Publish).
struct EventSink {
  std::function<bool()> has_subscribers;
  std::function<void(const nlohmann::json& event)> publish;
};

class FolderEvents {
 public:
  static constexpr std::chrono::milliseconds kInterval{250};

  static Result<std::unique_ptr<FolderEvents>> Create(net::EventLoop& loop, EventSink sink,
                                                      FolderRunners& folders, Index& index);
  // The folder's status may have changed (FolderRunner::on_change).
  void Changed(const std::string& folder_id);

 private:
  FolderEvents(EventSink sink, FolderRunners& folders, Index& index)
      : sink_(std::move(sink)), folders_(folders), index_(index) {}
  void Flush();

  EventSink sink_;
  FolderRunners& folders_;
  Index& index_;
  std::unique_ptr<net::Timer> timer_;
  bool scheduled_ = false;
  std::set<std::string> dirty_;                   // changed since the last flush
  std::map<std::string, std::string> published_;  // last event sent, by folder ID
};

}  // namespace shoal::cli
