// MediaPipe's canonical face: the 468-vertex neutral mesh the 478 landmarks index into, its UVs and
// triangles, the landmark weights MediaPipe uses for rigid head-pose fitting, the named contours
// (lips, eyes, brows, irises, face oval, nose) and the blendshape model's input/output tables.
// Loaded from the verified model cache; the files are MediaPipe's (Apache-2.0).
#pragma once

#include <array>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace being::face_model {

class FaceModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Contour {
  bool closed = false;
  std::vector<int> vertices;  // landmark indices in order along the contour
};

struct CanonicalFace {
  static constexpr int kMeshVertices = 468;
  static constexpr int kLandmarks = 478;  // 468 mesh + 2 x 5 iris

  std::vector<std::array<float, 3>> vertices;  // neutral face, centimetres, +y up, +z towards the viewer
  std::vector<std::array<float, 2>> uvs;
  std::vector<std::array<int, 3>> triangles;
  std::map<int, float> procrustes_weights;  // landmark index -> weight for the rigid fit
  std::map<std::string, std::vector<Contour>> contours;  // e.g. "FACEMESH_LIPS": outer loop, inner loop
  std::vector<int> blendshape_input_landmarks;  // the 146 landmarks the blendshape model reads
  std::vector<std::string> blendshape_names;    // its 52 outputs, "_neutral" first
};

// Reads the canonical face from the model cache (being::models::require); throws FaceModelError or
// being::models::ModelError naming the file at fault.
const CanonicalFace& canonical_face();

// Each edge of the canonical face's triangles once (i < j): mesh wireframes in overlays.
const std::vector<std::pair<int, int>>& mesh_edges();

// Parsers, exposed for tests and for callers that hold the files elsewhere.
CanonicalFace parse_geometry_pipeline_metadata(const std::string& pbtxt_text);
void parse_mesh_connections(const std::string& json_text, CanonicalFace& face);
void parse_blendshapes_io(const std::string& json_text, CanonicalFace& face);

}  // namespace being::face_model
