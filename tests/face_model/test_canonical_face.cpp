#include "being/face_model/canonical_face.h"
#include <algorithm>

#include "being_test.h"

#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

using namespace being::face_model;

TEST(CanonicalFace, HasTheMeshTheLandmarksIndexInto) {
  const CanonicalFace& face = canonical_face();
  ASSERT_EQ(face.vertices.size(), 468u);
  ASSERT_EQ(face.uvs.size(), 468u);
  ASSERT_EQ(face.triangles.size(), 898u);
  std::set<int> used;
  for (const auto& t : face.triangles) {
    EXPECT_TRUE(t[0] != t[1] && t[1] != t[2] && t[0] != t[2]);
    used.insert(t.begin(), t.end());
  }
  EXPECT_EQ(used.size(), 468u) << "every vertex belongs to a triangle";
  for (const auto& uv : face.uvs) {
    EXPECT_GE(uv[0], 0.0f);
    EXPECT_LE(uv[0], 1.0f);
  }
}

// The metadata's vertex buffer is the same neutral face as MediaPipe's OBJ file.
TEST(CanonicalFace, VerticesMatchTheObjFile) {
  auto obj = being::test::shared_path("models/mediapipe_face_geometry/canonical_face_model.obj");
  BEING_REQUIRE_SHARED(obj);
  std::ifstream in(obj);
  std::string line;
  std::vector<std::array<float, 3>> v;
  while (std::getline(in, line)) {
    if (line.rfind("v ", 0) != 0) continue;
    std::istringstream s(line.substr(2));
    std::array<float, 3> p{};
    s >> p[0] >> p[1] >> p[2];
    v.push_back(p);
  }
  const auto& face = canonical_face();
  ASSERT_EQ(v.size(), face.vertices.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(v[i][k], face.vertices[i][k], 1e-5) << i;
}

TEST(CanonicalFace, HasProcrustesWeightsContoursAndBlendshapeTables) {
  const auto& face = canonical_face();
  EXPECT_EQ(face.procrustes_weights.size(), 33u);
  const double sum = std::accumulate(face.procrustes_weights.begin(), face.procrustes_weights.end(), 0.0,
                                     [](double a, const auto& kv) { return a + kv.second; });
  EXPECT_NEAR(sum, 1.055, 1e-3);  // MediaPipe's weights, as published (they do not sum to 1)
  ASSERT_EQ(face.contours.at("FACEMESH_LIPS").size(), 2u);
  EXPECT_EQ(face.contours.at("FACEMESH_LIPS")[1].vertices.size(), 20u);  // inner lip loop
  EXPECT_TRUE(face.contours.at("FACEMESH_LIPS")[1].closed);
  EXPECT_EQ(face.contours.at("FACEMESH_LEFT_IRIS")[0].vertices.size(), 4u);
  EXPECT_EQ(face.blendshape_input_landmarks.size(), 146u);
  ASSERT_EQ(face.blendshape_names.size(), 52u);
  EXPECT_EQ(face.blendshape_names[0], "_neutral");
  EXPECT_NE(std::find(face.blendshape_names.begin(), face.blendshape_names.end(), "jawOpen"), face.blendshape_names.end());
}

TEST(CanonicalFace, MalformedFilesAreRejected) {
  EXPECT_THROW(parse_geometry_pipeline_metadata("procrustes_landmark_basis { landmark_id: 4 weight: 0.1 }\n"), FaceModelError);
  std::string vertices;
  for (int i = 0; i < 468 * 5; ++i) vertices += "vertex_buffer: 0.5\n";
  EXPECT_THROW(parse_geometry_pipeline_metadata(vertices + "index_buffer: 1\n"), FaceModelError);  // not triangles
  EXPECT_THROW(parse_geometry_pipeline_metadata(vertices + "index_buffer: 1\nindex_buffer: 2\nindex_buffer: 999\n"
                                                "procrustes_landmark_basis { landmark_id: 4 weight: 0.1 }\n"), FaceModelError);
  EXPECT_NO_THROW(parse_geometry_pipeline_metadata(vertices + "index_buffer: 1\nindex_buffer: 2\nindex_buffer: 3\n"
                                                   "procrustes_landmark_basis { landmark_id: 4 weight: 0.1 }\n"));
  CanonicalFace face;
  EXPECT_THROW(parse_mesh_connections("{\"ordered_contours\": {\"X\": [{\"closed\": true, \"vertices\": [500]}]}}", face), FaceModelError);
  EXPECT_THROW(parse_mesh_connections("not json", face), FaceModelError);
  EXPECT_THROW(parse_blendshapes_io("{\"landmarks_subset_idxs\": [1], \"blendshape_names\": []}", face), FaceModelError);
}
