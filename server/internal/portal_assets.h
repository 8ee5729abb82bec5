// The portal's static files (server/portal/), built into the binary: the build turns each file
// into a byte array in a generated portal_assets.cc (cmake/embed_files.cmake), so the server
// needs nothing beside its executable. Paths are relative to server/portal/ ("index.html",
// "js/query.js").
//
// Thread safety: immutable data.
#pragma once

#include <cstddef>
#include <string_view>

namespace skyshard::server {

struct PortalAsset {
  std::string_view path;
  const unsigned char* data;
  size_t size;
};

// Every embedded file, sorted by path.
extern const PortalAsset kPortalAssets[];
extern const size_t kPortalAssetCount;

}  // namespace skyshard::server
