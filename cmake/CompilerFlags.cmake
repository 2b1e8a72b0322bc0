# Warning and sanitizer flags for Shoal's own targets (not dependencies).
add_library(shoal_flags INTERFACE)
target_compile_options(shoal_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
  $<$<BOOL:${SHOAL_WERROR}>:-Werror>)
# Includes are written from the repository root: "core/store/index.h".
target_include_directories(shoal_flags INTERFACE ${PROJECT_SOURCE_DIR})

if(SHOAL_SANITIZE)
  set(shoal_sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
  add_compile_options(${shoal_sanitize_flags})
  add_link_options(${shoal_sanitize_flags})
  # After the build type's -O2 -g, so these win: a sanitizer build is for
  # finding bugs, and -O1 with line tables compiles much faster on CI's two
  # cores while keeping file:line in every report.
  add_compile_options(-O1 -g1)
endif()
