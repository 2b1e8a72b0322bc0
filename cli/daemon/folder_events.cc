#include "cli/daemon/folder_events.h"

#include <utility>

#include "cli/daemon/control_api.h"

namespace shoal::cli {
namespace {

std::int64_t NowUnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<FolderEvents>> FolderEvents::Create(net::EventLoop& loop, EventSink sink,
                                                           FolderRunners& folders, Index& index) {
  auto timer = net::Timer::Create(loop);
  if (!timer) return timer.error();
  std::unique_ptr<FolderEvents> events(new FolderEvents(std::move(sink), folders, index));
  events->timer_ = std::move(*timer);
  return events;
}

void FolderEvents::Changed(const std::string& folder_id) {
  dirty_.insert(folder_id);
  if (scheduled_) return;
  scheduled_ = true;
  timer_->Start(kInterval, [this] { Flush(); });
}

void FolderEvents::Flush() {
  scheduled_ = false;
  std::set<std::string> dirty = std::exchange(dirty_, {});
  if (!sink_.has_subscribers()) {
    published_.clear();  // a later subscriber gets the next change in full
    return;
  }
  for (const std::string& id : dirty) {
    FolderRunner* runner = folders_.Find(id);
    if (!runner) continue;
    nlohmann::json folder = FolderJson(*runner, index_);
    std::string text = folder.dump();
    std::string& last = published_[id];
    if (text == last) continue;
    last = std::move(text);
    sink_.publish(
        {{"event", "folder"}, {"unix_ms", NowUnixMillis()}, {"folder", std::move(folder)}});
  }
}

}  // namespace shoal::cli
