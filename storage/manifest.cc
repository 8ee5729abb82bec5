#include "storage/manifest.h"

#include <glob.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/ascii.h"

namespace skyshard {

namespace {

namespace fs = std::filesystem;

using Keys = std::span<const std::string_view>;
constexpr std::string_view kTopKeys[] = {"release", "schema", "tables"};
constexpr std::string_view kTableKeys[] = {"files", "position", "parent"};
constexpr std::string_view kParentKeys[] = {"table", "key"};

int LineOf(const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  return mark.line < 0 ? 0 : mark.line + 1;
}

bool IsRegularIdentifier(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!alpha(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alpha(c) || digit(c) || c == '_'; });
}

std::string JoinKeys(Keys keys) {
  std::string out;
  for (std::string_view k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

// The manifest's directory may itself contain glob metacharacters; escaping them keeps glob(3)
// from reinterpreting a path the operator did not write as a pattern.
std::string EscapeGlob(const std::string& literal) {
  std::string out;
  for (char c : literal) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' || c == '{' || c == '}') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

class ManifestParser {
 public:
  ManifestParser(std::string display_name, fs::path dir)
      : name_(std::move(display_name)), dir_(std::move(dir)) {}

  Status Parse(const YAML::Node& root, Manifest* manifest) {
    if (!root.IsMap()) {
      return Error(LineOf(root), "expected a mapping with keys " + JoinKeys(kTopKeys));
    }
    SKY_RETURN_IF_ERROR(CheckKeys(root, kTopKeys, ""));
    YAML::Node release = root["release"];
    if (!release) return Error(LineOf(root), "missing required field 'release'");
    SKY_RETURN_IF_ERROR(Scalar(release, "release", "", &manifest->release));
    if (!IsRegularIdentifier(manifest->release)) {
      return Error(LineOf(release),
                   "release '" + manifest->release +
                       "' is not a regular ADQL identifier (a letter, then letters, digits "
                       "or '_')");
    }
    YAML::Node schema = root["schema"];
    if (!schema) return Error(LineOf(root), "missing required field 'schema'");
    std::string schema_text;
    SKY_RETURN_IF_ERROR(Scalar(schema, "schema", "", &schema_text));
    if (schema_text.empty()) return Error(LineOf(schema), "schema: expected a file name");
    manifest->schema_path = (dir_ / schema_text).lexically_normal().string();

    YAML::Node tables = root["tables"];
    if (!tables) return Error(LineOf(root), "missing required field 'tables'");
    if (!tables.IsMap() || tables.size() == 0) {
      return Error(LineOf(tables),
                   "tables: expected a mapping from table name to its files and layout");
    }
    std::vector<int> parent_lines;
    for (const auto& kv : tables) {
      ManifestTable table;
      if (!kv.first.IsScalar() || kv.first.Scalar().empty()) {
        return Error(LineOf(kv.first), "tables: expected a table name");
      }
      table.name = kv.first.Scalar();
      for (const ManifestTable& other : manifest->tables) {
        if (EqualsIgnoreCase(other.name, table.name)) {
          return Error(LineOf(kv.first), "table " + table.name + " is listed twice");
        }
      }
      int parent_line = 0;
      SKY_RETURN_IF_ERROR(ParseTable(kv.second, LineOf(kv.first), &table, &parent_line));
      manifest->tables.push_back(std::move(table));
      parent_lines.push_back(parent_line);
    }

    // Parents may be listed after their children, so they are checked once all are known.
    for (size_t i = 0; i < manifest->tables.size(); ++i) {
      const ManifestTable& t = manifest->tables[i];
      if (t.parent_table.empty()) continue;
      const ManifestTable* parent = nullptr;
      for (const ManifestTable& p : manifest->tables) {
        if (EqualsIgnoreCase(p.name, t.parent_table)) parent = &p;
      }
      std::string where = "table " + t.name + ": parent.table: ";
      if (parent == nullptr) {
        return Error(parent_lines[i],
                     where + "'" + t.parent_table + "' is not a table of this manifest");
      }
      if (parent->ra_column.empty()) {
        return Error(parent_lines[i], where + "parent table " + parent->name +
                                          " has no `position` (a child is stored beside a "
                                          "spatial parent)");
      }
    }
    return Status::OK();
  }

 private:
  Status Error(int line, const std::string& what) const {
    std::string msg = name_;
    if (line > 0) msg += ":" + std::to_string(line);
    return Status::InvalidArgument(msg + ": " + what);
  }

  // `where` is "" or "table T: " and prefixes the field name in messages.
  Status CheckKeys(const YAML::Node& map, Keys valid, const std::string& where) const {
    std::vector<std::string> seen;
    for (const auto& kv : map) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      if (std::find(valid.begin(), valid.end(), key) == valid.end()) {
        return Error(LineOf(kv.first),
                     where + "unknown key '" + key + "' (valid keys: " + JoinKeys(valid) + ")");
      }
      // yaml-cpp keeps both entries of a repeated key and lookups see only the first.
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        return Error(LineOf(kv.first), where + "key '" + key + "' given twice");
      }
      seen.push_back(key);
    }
    return Status::OK();
  }

  Status Scalar(const YAML::Node& node, const std::string& field, const std::string& where,
                std::string* out) const {
    if (!node.IsScalar()) return Error(LineOf(node), where + field + ": expected a string");
    *out = node.Scalar();
    return Status::OK();
  }

  Status ParseTable(const YAML::Node& node, int name_line, ManifestTable* table, int* parent_line) {
    const std::string where = "table " + table->name + ": ";
    if (!node.IsMap()) {
      return Error(node.IsNull() ? name_line : LineOf(node),
                   where + "expected a mapping with keys " + JoinKeys(kTableKeys));
    }
    SKY_RETURN_IF_ERROR(CheckKeys(node, kTableKeys, where));

    YAML::Node files = node["files"];
    if (!files) return Error(name_line, where + "missing required field 'files'");
    std::vector<YAML::Node> patterns;
    if (files.IsScalar()) {
      patterns.push_back(files);
    } else if (files.IsSequence()) {
      for (const YAML::Node& p : files) patterns.push_back(p);
    }
    if (patterns.empty()) {
      return Error(LineOf(files), where + "files: expected a list of file name patterns");
    }
    for (const YAML::Node& p : patterns) {
      std::string pattern;
      SKY_RETURN_IF_ERROR(Scalar(p, "files", where, &pattern));
      if (pattern.empty()) return Error(LineOf(p), where + "files: empty pattern");
      table->file_patterns.push_back(pattern);
      SKY_RETURN_IF_ERROR(Expand(pattern, LineOf(p), where, &table->files));
    }
    std::sort(table->files.begin(), table->files.end());
    table->files.erase(std::unique(table->files.begin(), table->files.end()), table->files.end());

    YAML::Node position = node["position"];
    YAML::Node parent = node["parent"];
    if (position && parent) {
      return Error(LineOf(parent), where +
                                       "has both `position` and `parent`; a table is "
                                       "either spatial or stored beside its parent");
    }
    if (position) {
      if (!position.IsSequence() || position.size() != 2 || !position[0].IsScalar() ||
          !position[1].IsScalar() || position[0].Scalar().empty() || position[1].Scalar().empty()) {
        return Error(LineOf(position), where +
                                           "position: expected two column names [ra, dec], e.g. "
                                           "[coord_ra, coord_dec]");
      }
      table->ra_column = position[0].Scalar();
      table->dec_column = position[1].Scalar();
    }
    if (parent) {
      *parent_line = LineOf(parent);
      if (!parent.IsMap()) {
        return Error(LineOf(parent),
                     where + "parent: expected a mapping {table: <parent table>, key: <column>}");
      }
      SKY_RETURN_IF_ERROR(CheckKeys(parent, kParentKeys, where + "parent: "));
      YAML::Node parent_table = parent["table"];
      YAML::Node key = parent["key"];
      if (!parent_table) return Error(LineOf(parent), where + "parent: missing field 'table'");
      if (!key) return Error(LineOf(parent), where + "parent: missing field 'key'");
      SKY_RETURN_IF_ERROR(Scalar(parent_table, "parent.table", where, &table->parent_table));
      SKY_RETURN_IF_ERROR(Scalar(key, "parent.key", where, &table->parent_key));
      if (table->parent_table.empty()) {
        return Error(LineOf(parent_table), where + "parent.table: expected a table name");
      }
      if (table->parent_key.empty()) {
        return Error(LineOf(key), where + "parent.key: expected a column name");
      }
    }
    return Status::OK();
  }

  Status Expand(const std::string& pattern, int line, const std::string& where,
                std::vector<std::string>* out) const {
    const std::string full =
        fs::path(pattern).is_absolute() ? pattern : EscapeGlob(dir_.string()) + "/" + pattern;
    glob_t g{};
    int rc = ::glob(full.c_str(), GLOB_BRACE, nullptr, &g);
    size_t before = out->size();
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        std::string path = fs::path(g.gl_pathv[i]).lexically_normal().string();
        // Directories and devices are not table files, even when the pattern matches them.
        if (IsRegularFile(path)) out->push_back(std::move(path));
      }
    }
    ::globfree(&g);
    if (rc == GLOB_NOSPACE) return Status::Internal(name_ + ": out of memory expanding globs");
    if (rc == GLOB_ABORTED) {
      return Error(
          line, where + "files pattern '" + pattern + "': cannot read directory " + dir_.string());
    }
    if (out->size() == before) {
      return Error(line,
                   where + "files pattern '" + pattern + "' matches no file in " + dir_.string());
    }
    return Status::OK();
  }

  std::string name_;
  fs::path dir_;
};

Result<Manifest> ParseManifestFile(const std::string& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) {
    return Status::NotFound("manifest " + path + " does not exist");
  }
  if (ec) return Status::IOError("cannot access manifest " + path + ": " + ec.message());
  if (st.type() == fs::file_type::directory) {
    return Status::InvalidArgument("manifest " + path + " is a directory, not a YAML file");
  }
  fs::path absolute = fs::absolute(path, ec);
  if (ec) return Status::IOError("cannot resolve manifest path " + path + ": " + ec.message());
  absolute = absolute.lexically_normal();

  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot open manifest " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read manifest " + path);

  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    std::string where = path;
    if (e.mark.line >= 0) where += ":" + std::to_string(e.mark.line + 1);
    return Status::InvalidArgument(where + ": invalid YAML: " + e.msg);
  }
  Manifest manifest;
  manifest.path = absolute.string();
  ManifestParser parser(path, absolute.parent_path());
  SKY_RETURN_IF_ERROR(parser.Parse(root, &manifest));
  return manifest;
}

}  // namespace

Result<Manifest> ReadManifest(const std::string& path) {
  try {
    return ParseManifestFile(path);
  } catch (const YAML::Exception& e) {
    // Node accessors throw on shapes the checks did not foresee.
    std::string where = path;
    if (e.mark.line >= 0) where += ":" + std::to_string(e.mark.line + 1);
    return Status::InvalidArgument(where + ": " + e.msg);
  } catch (const std::exception& e) {
    return Status::Internal("manifest " + path + ": " + e.what());
  }
}

}  // namespace skyshard
