// CaseFoldingMount: a small case-folding file system for one test, on a
// loop device: a vfat image mounted by the kernel where it has vfat, else
// an exFAT image through FUSE (exfat-fuse). Needs root, a free loop device
// and the tools (dosfstools, exfatprogs, exfat-fuse, fuse3:
// packaging/install-deps.sh). Make returns nullptr and says why when any
// of that is missing, so a test can skip with a WARN. exFAT keeps no
// permissions or symlinks; both fold case.
#pragma once

#include <memory>
#include <string>

#include "tests/support/temp_dir.h"

namespace shoal::testing {

class CaseFoldingMount {
 public:
  static std::unique_ptr<CaseFoldingMount> Make(std::string& why_not);
  // Unmounts, detaches the loop device and removes the image.
  ~CaseFoldingMount();
  CaseFoldingMount(const CaseFoldingMount&) = delete;
  CaseFoldingMount& operator=(const CaseFoldingMount&) = delete;

  const std::string& path() const { return mount_; }
  const std::string& kind() const { return kind_; }

 private:
  CaseFoldingMount() = default;

  TempDir dir_;  // the image and the mount point; removed after unmounting
  std::string mount_;
  std::string loop_;  // attached by us (FUSE); the kernel's mount -o loop detaches its own
  std::string kind_;
};

}  // namespace shoal::testing
