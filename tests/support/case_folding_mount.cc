#include "tests/support/case_folding_mount.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace shoal::testing {
namespace {

// Runs a shell command (arguments are our own paths: no quoting needed
// beyond the temp dir's, which has no spaces); returns its exit status and
// first line of output.
int Run(const std::string& command, std::string* first_line = nullptr) {
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return -1;
  char line[512] = {};
  const bool got = std::fgets(line, sizeof line, pipe) != nullptr;
  while (std::fgetc(pipe) != EOF) {
  }
  const int status = ::pclose(pipe);
  if (first_line != nullptr) {
    *first_line = got ? line : "";
    while (!first_line->empty() && first_line->back() == '\n') first_line->pop_back();
  }
  return status;
}

}  // namespace

std::unique_ptr<CaseFoldingMount> CaseFoldingMount::Make(std::string& why_not) {
  if (::geteuid() != 0) {
    why_not = "not root: cannot mount a case-folding file system";
    return nullptr;
  }
  std::unique_ptr<CaseFoldingMount> m(new CaseFoldingMount());
  const std::string image = m->dir_.File("image");
  m->mount_ = m->dir_.File("mnt");
  std::filesystem::create_directory(m->mount_);
  if (Run("truncate -s 64M " + image) != 0) {
    why_not = "cannot create an image file";
    return nullptr;
  }
  if (Run("mkfs.vfat " + image) == 0 &&
      Run("mount -t vfat -o loop " + image + " " + m->mount_) == 0) {
    m->kind_ = "vfat";
    return m;
  }
  if (Run("mkfs.exfat " + image) != 0) {
    why_not = "the kernel cannot mount vfat and mkfs.exfat (exfatprogs) failed or is missing";
    return nullptr;
  }
  // exfat-fuse wants a block device, not an image file.
  if (Run("losetup -f --show " + image, &m->loop_) != 0 || m->loop_.empty()) {
    m->loop_.clear();
    why_not = "no free loop device";
    return nullptr;
  }
  if (Run("mount.exfat-fuse " + m->loop_ + " " + m->mount_) != 0) {
    why_not = "the kernel cannot mount vfat and mount.exfat-fuse (exfat-fuse) failed or is missing";
    return nullptr;  // the destructor detaches the loop device
  }
  m->kind_ = "exfat (FUSE)";
  return m;
}

CaseFoldingMount::~CaseFoldingMount() {
  if (!kind_.empty()) Run("umount " + mount_);
  if (!loop_.empty()) Run("losetup -d " + loop_);
}

}  // namespace shoal::testing
