#include "being/face_model/canonical_face.h"

#include <algorithm>
#include <set>

#include "being/models/model_store.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>

namespace being::face_model {
namespace {

std::string read_text(const std::string& model) {
  const auto path = being::models::require(model);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FaceModelError("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

// The metadata is protobuf text; the three repeated fields we need are flat, so a scan for them is
// enough and spares the project a protobuf dependency.
CanonicalFace parse_geometry_pipeline_metadata(const std::string& text) {
  CanonicalFace face;
  static const std::regex weight(R"(procrustes_landmark_basis\s*\{\s*landmark_id:\s*(\d+)\s+weight:\s*([-+0-9.eE]+)\s*\})");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), weight); it != std::sregex_iterator(); ++it)
    face.procrustes_weights[std::stoi((*it)[1])] = std::stof((*it)[2]);

  std::vector<float> vertex_buffer;
  std::vector<int> index_buffer;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto key = line.substr(line.find_first_not_of(" \t"), colon - line.find_first_not_of(" \t"));
    if (key == "vertex_buffer") vertex_buffer.push_back(std::stof(line.substr(colon + 1)));
    else if (key == "index_buffer") index_buffer.push_back(std::stoi(line.substr(colon + 1)));
  }
  // VERTEX_PT: x, y, z, u, v per vertex.
  if (vertex_buffer.size() != CanonicalFace::kMeshVertices * 5u)
    throw FaceModelError("geometry metadata: expected 468 VERTEX_PT vertices (2340 numbers), found " + std::to_string(vertex_buffer.size()));
  if (index_buffer.empty() || index_buffer.size() % 3 != 0)
    throw FaceModelError("geometry metadata: index buffer is not a whole number of triangles");
  if (face.procrustes_weights.empty()) throw FaceModelError("geometry metadata: no procrustes_landmark_basis entries");
  for (int i = 0; i < CanonicalFace::kMeshVertices; ++i) {
    const float* v = &vertex_buffer[i * 5];
    face.vertices.push_back({v[0], v[1], v[2]});
    face.uvs.push_back({v[3], v[4]});
  }
  for (std::size_t i = 0; i < index_buffer.size(); i += 3) {
    for (int k = 0; k < 3; ++k)
      if (index_buffer[i + k] < 0 || index_buffer[i + k] >= CanonicalFace::kMeshVertices)
        throw FaceModelError("geometry metadata: triangle index " + std::to_string(index_buffer[i + k]) + " out of range");
    face.triangles.push_back({index_buffer[i], index_buffer[i + 1], index_buffer[i + 2]});
  }
  for (const auto& [id, w] : face.procrustes_weights)
    if (id < 0 || id >= CanonicalFace::kMeshVertices || !(w >= 0.0f))
      throw FaceModelError("geometry metadata: bad procrustes entry for landmark " + std::to_string(id));
  return face;
}

void parse_mesh_connections(const std::string& json_text, CanonicalFace& face) {
  try {
    const auto doc = nlohmann::json::parse(json_text);
    for (const auto& [name, loops] : doc.at("ordered_contours").items()) {
      auto& out = face.contours[name];
      for (const auto& loop : loops) {
        Contour c;
        c.closed = loop.at("closed").get<bool>();
        c.vertices = loop.at("vertices").get<std::vector<int>>();
        for (int v : c.vertices)
          if (v < 0 || v >= CanonicalFace::kLandmarks) throw FaceModelError("contour " + name + ": landmark " + std::to_string(v) + " out of range");
        out.push_back(std::move(c));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw FaceModelError(std::string("face_mesh_connections.json: ") + e.what());
  }
}

void parse_blendshapes_io(const std::string& json_text, CanonicalFace& face) {
  try {
    const auto doc = nlohmann::json::parse(json_text);
    face.blendshape_input_landmarks = doc.at("landmarks_subset_idxs").get<std::vector<int>>();
    face.blendshape_names = doc.at("blendshape_names").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw FaceModelError(std::string("face_blendshapes_io.json: ") + e.what());
  }
  if (face.blendshape_input_landmarks.size() != 146 || face.blendshape_names.size() != 52)
    throw FaceModelError("face_blendshapes_io.json: expected 146 input landmarks and 52 blendshape names");
  for (int v : face.blendshape_input_landmarks)
    if (v < 0 || v >= CanonicalFace::kLandmarks) throw FaceModelError("face_blendshapes_io.json: landmark " + std::to_string(v) + " out of range");
}

const CanonicalFace& canonical_face() {
  static const CanonicalFace face = [] {
    CanonicalFace f = parse_geometry_pipeline_metadata(read_text("mediapipe_face_geometry/geometry_pipeline_metadata_landmarks.pbtxt"));
    parse_mesh_connections(read_text("mediapipe_face_geometry/face_mesh_connections.json"), f);
    parse_blendshapes_io(read_text("mediapipe_face_geometry/face_blendshapes_io.json"), f);
    return f;
  }();
  return face;
}

const std::vector<std::pair<int, int>>& mesh_edges() {
  static const std::vector<std::pair<int, int>> edges = [] {
    std::set<std::pair<int, int>> unique;
    for (const auto& t : canonical_face().triangles)
      for (int k = 0; k < 3; ++k) unique.emplace(std::min(t[k], t[(k + 1) % 3]), std::max(t[k], t[(k + 1) % 3]));
    return std::vector<std::pair<int, int>>(unique.begin(), unique.end());
  }();
  return edges;
}

}  // namespace being::face_model
