#include "net/identity/identity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace shoal::net {
namespace {

namespace fs = std::filesystem;

void WriteFile(const std::string& path, const Bytes& bytes, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out);
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("a created identity loads back with the same device ID", "[net][identity]") {
  testing::TempDir home;
  auto created = Identity::Create(home.path().string());
  REQUIRE(created);
  auto loaded = Identity::Load(home.path().string());
  REQUIRE(loaded);
  CHECK(loaded->device_id() == created->device_id());
  CHECK(loaded->noise_public_key() == created->device_id().bytes());
  CHECK(Bytes(loaded->noise_private_key().begin(), loaded->noise_private_key().end()) ==
        Bytes(created->noise_private_key().begin(), created->noise_private_key().end()));
  // The file holds the seed, not the derived key.
  CHECK(fs::file_size(home.File("identity.key")) == 32);
  // Only identity.key is left: the temp file was renamed, not copied.
  CHECK(std::distance(fs::directory_iterator(home.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("the key file is created with mode 0600 whatever the umask", "[net][identity]") {
  // 0277 would narrow open()'s 0600 to 0400; 0 must not widen anything.
  for (mode_t mask : {mode_t{0}, mode_t{0277}, mode_t{0022}}) {
    INFO("umask " << mask);
    testing::TempDir home;
    mode_t old = ::umask(mask);
    auto created = Identity::Create(home.path().string());
    ::umask(old);
    REQUIRE(created);
    CHECK(ModeOf(home.File("identity.key")) == 0600);
    CHECK(Identity::Load(home.path().string()));
  }
}

TEST_CASE("two created identities differ", "[net][identity]") {
  testing::TempDir a, b;
  auto first = Identity::Create(a.path().string());
  auto second = Identity::Create(b.path().string());
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->device_id() != second->device_id());
}

TEST_CASE("the Noise key is derived from the seed with crypto_kdf, id 1, 'shoalid1'",
          "[net][identity]") {
  Bytes seed(32);
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(i);
  auto identity = Identity::FromSeed(seed);
  REQUIRE(identity);
  // Python: blake2b(key=seed, digest_size=32, salt=(1).to_bytes(8, "little") + 8 zero bytes,
  // person=b"shoalid1" + 8 zero bytes), then X25519 (package "cryptography").
  CHECK(HexEncode(identity->noise_private_key()) ==
        "dd6e7a2a0beaa23838bf5acb53c88c992e15e062d77b13a3d551f5322f2005ea");
  CHECK(HexEncode(identity->device_id().bytes()) ==
        "9623f5c0330ef6628f0b2932ae73d7e3cb5d52dd9822620111cd30b8dd5f4d25");
  CHECK_FALSE(Identity::FromSeed(Bytes(31)));
}

TEST_CASE("a key file readable by group or others is refused with how to fix it",
          "[net][identity]") {
  testing::TempDir home;
  WriteFile(home.File("identity.key"), Bytes(32, 1), 0644);
  auto loaded = Identity::Load(home.path().string());
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == ErrorCode::kUnauthorized);
  CHECK_THAT(loaded.error().message,
             Catch::Contains("identity.key is readable by group or others (mode 0644); run chmod "
                             "600 " +
                             home.File("identity.key")));

  REQUIRE(::chmod(home.File("identity.key").c_str(), 0620) == 0);  // group may write
  auto writable = Identity::Load(home.path().string());
  REQUIRE_FALSE(writable);
  CHECK_THAT(writable.error().message, Catch::Contains("(mode 0620)"));

  REQUIRE(::chmod(home.File("identity.key").c_str(), 0600) == 0);
  CHECK(Identity::Load(home.path().string()));
}

TEST_CASE("a key file of the wrong size is refused", "[net][identity]") {
  testing::TempDir home;
  for (std::size_t size : {0, 16, 31, 33}) {
    INFO(size);
    WriteFile(home.File("identity.key"), Bytes(size, 7), 0600);
    auto loaded = Identity::Load(home.path().string());
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code == ErrorCode::kCorrupt);
    CHECK_THAT(loaded.error().message, Catch::Contains("expected 32"));
  }
}

TEST_CASE("a key path that is not a regular file is refused", "[net][identity]") {
  testing::TempDir home;
  REQUIRE(::mkfifo(home.File("identity.key").c_str(), 0600) == 0);
  auto loaded = Identity::Load(home.path().string());  // must not block on the FIFO
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == ErrorCode::kCorrupt);
}

TEST_CASE("loading a missing key fails and creates nothing", "[net][identity]") {
  testing::TempDir home;
  auto loaded = Identity::Load(home.path().string());
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == ErrorCode::kNotFound);
  CHECK(fs::is_empty(home.path()));
}

TEST_CASE("create refuses to overwrite an existing key", "[net][identity]") {
  testing::TempDir home;
  auto first = Identity::Create(home.path().string());
  REQUIRE(first);
  auto second = Identity::Create(home.path().string());
  REQUIRE_FALSE(second);
  CHECK(second.error().code == ErrorCode::kConflict);
  auto loaded = Identity::Load(home.path().string());
  REQUIRE(loaded);
  CHECK(loaded->device_id() == first->device_id());
  CHECK(std::distance(fs::directory_iterator(home.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("create in a missing directory fails without side effects", "[net][identity]") {
  testing::TempDir home;
  auto created = Identity::Create(home.File("missing"));
  REQUIRE_FALSE(created);
  CHECK(created.error().code == ErrorCode::kIo);
  CHECK(fs::is_empty(home.path()));
}

TEST_CASE("LoadOrCreate creates once and then keeps loading the same key", "[net][identity]") {
  testing::TempDir home;
  auto first = Identity::LoadOrCreate(home.path().string());
  REQUIRE(first);
  auto second = Identity::LoadOrCreate(home.path().string());
  REQUIRE(second);
  CHECK(first->device_id() == second->device_id());
}

}  // namespace shoal::net
