// Head tracking without a morphable model: a perspective camera with one focal length per video,
// and per frame the rigid pose of MediaPipe's canonical face that best explains the 2D landmarks.
//
// Conventions: camera looks down +z, image x right, y down, pixel centres at integer + 0.5 being the
// landmark convention of MediaPipe (pixels as x * width). The canonical face (centimetres, +y up,
// +z towards the viewer) is mapped into camera space by X_cam = R * flip * X_canonical + t, where
// flip = diag(1, -1, -1) turns the face's "up" and "towards the viewer" into camera y-down and -z.
#pragma once

#include <array>
#include <vector>

namespace being::tracking {

using Vec3 = std::array<double, 3>;

struct Camera {
  double focal_px = 0.0;  // fx = fy
  double cx = 0.0, cy = 0.0;
  int width = 0, height = 0;

  // Pixel position of a camera-space point (z > 0).
  std::array<double, 2> project(const Vec3& p) const;
};

struct HeadPose {
  Vec3 rotation{0, 0, 0};     // axis-angle (radians), applied after the canonical flip
  Vec3 translation{0, 0, 0};  // centimetres, camera space
};

// 3x3 rotation (row-major) of an axis-angle vector, and back.
std::array<std::array<double, 3>, 3> rotation_matrix(const Vec3& axis_angle);
Vec3 axis_angle(const std::array<std::array<double, 3>, 3>& rotation);

// Camera-space position of canonical-face point `p` under `pose`.
Vec3 to_camera(const HeadPose& pose, const Vec3& canonical_point);

// The 2D landmarks of one frame: pixels, in the order of the canonical face's vertices (first 468 of
// the 478 landmarks). `valid` is false for frames without a usable face.
struct FrameLandmarks {
  bool valid = false;
  std::vector<std::array<double, 2>> points;
};

struct TrackerOptions {
  double huber_px = 1.5;            // residuals beyond this count linearly (robust to bad landmarks)
  int focal_search_frames = 40;     // frames sampled to choose the focal length
  double min_fov_deg = 8.0;         // vertical field of view searched for the focal length
  double max_fov_deg = 70.0;
  int iterations = 30;              // Gauss-Newton iterations per frame
};

struct TrackingResult {
  Camera camera;
  std::vector<HeadPose> poses;               // one per frame; untracked frames hold the nearest tracked pose
  std::vector<bool> tracked;                 // frame had landmarks and the fit converged
  std::vector<double> reprojection_rms_px;   // weighted RMS over the Procrustes landmarks; 0 where untracked
};

// Fits the camera and the per-frame poses. `weights` are per canonical vertex (MediaPipe's Procrustes
// weights: zero for vertices that move with expression). Throws std::invalid_argument when no frame
// has landmarks or the inputs disagree in size.
TrackingResult track_head(const std::vector<FrameLandmarks>& frames, int width, int height,
                          const std::vector<Vec3>& canonical_vertices, const std::vector<double>& weights,
                          const TrackerOptions& options = {});

// One frame's pose for a known camera, starting from `initial` (or a closed-form guess when null).
HeadPose fit_pose(const Camera& camera, const FrameLandmarks& frame, const std::vector<Vec3>& canonical_vertices,
                  const std::vector<double>& weights, const TrackerOptions& options, const HeadPose* initial,
                  double* rms_px = nullptr);

}  // namespace being::tracking
