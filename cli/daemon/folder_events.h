// FolderEvents: the control socket's `folder` events (docs/api.md "Events").
// A change only marks its folder; at most once per kInterval the marked
// folders' status is computed and published, to subscribers only and only
// when it differs from the last one sent. A status costs queries over the
// folder; a pull pass per index batch must not pay one each (issue 12: it
// was most of a sender's CPU).
//
// Thread: the loop thread. The server, the runners and the index outlive it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "cli/daemon/folder_runners.h"
#include "core/store/index.h"
#include "net/control/control_server.h"
#include "net/loop/event_loop.h"
#include "net/loop/timer.h"

namespace shoal::cli {

class FolderEvents {
 public:
  static constexpr std::chrono::milliseconds kInterval{250};

  static Result<std::unique_ptr<FolderEvents>> Create(net::EventLoop& loop,
                                                      net::ControlServer& server,
                                                      FolderRunners& folders, Index& index);
  // The folder's status may have changed (FolderRunner::on_change).
  void Changed(const std::string& folder_id);

 private:
  FolderEvents(net::ControlServer& server, FolderRunners& folders, Index& index)
      : server_(server), folders_(folders), index_(index) {}
  void Flush();

  net::ControlServer& server_;
  FolderRunners& folders_;
  Index& index_;
  std::unique_ptr<net::Timer> timer_;
  bool scheduled_ = false;
  std::set<std::string> dirty_;                   // changed since the last flush
  std::map<std::string, std::string> published_;  // last event sent, by folder ID
};

}  // namespace shoal::cli
