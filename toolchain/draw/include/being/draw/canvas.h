// Drawing on RGB frames for the pictures people check by eye: analysis overlays (landmarks, mesh,
// masks, blendshape bars), ingest contact sheets. Plain CPU code on 8-bit RGB; no GUI toolkit.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace being::draw {

using Color = std::array<std::uint8_t, 3>;

struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3, top row first

  Image() = default;
  Image(int w, int h, Color fill = {0, 0, 0});
  std::uint8_t* at(int x, int y) { return &rgb[(static_cast<std::size_t>(y) * width + x) * 3]; }
  const std::uint8_t* at(int x, int y) const { return &rgb[(static_cast<std::size_t>(y) * width + x) * 3]; }
};

struct Point {
  double x = 0, y = 0;
};

// Blends `color` over the pixel with `alpha` in [0, 1]; pixels outside the image are ignored.
void blend(Image& image, int x, int y, Color color, double alpha = 1.0);

void fill_rect(Image& image, int x, int y, int w, int h, Color color, double alpha = 1.0);
void draw_disc(Image& image, Point centre, double radius, Color color, double alpha = 1.0);
void draw_line(Image& image, Point a, Point b, Color color, double thickness = 1.0, double alpha = 1.0);
void draw_polyline(Image& image, const std::vector<Point>& points, bool closed, Color color, double thickness = 1.0);
// Fills the polygon (even-odd rule) blending `color` with `alpha`: mask tints, mouth interiors.
void fill_polygon(Image& image, const std::vector<Point>& polygon, Color color, double alpha);
// Tints pixels by a per-pixel mask in [0, 1] (mask is width * height floats).
void tint_mask(Image& image, const std::vector<float>& mask, Color color, double alpha);

// Text in a built-in 5x7 pixel font (printable ASCII), scaled by an integer factor. Returns the width
// drawn in pixels.
int draw_text(Image& image, int x, int y, const std::string& text, Color color, int scale = 1);
int text_width(const std::string& text, int scale = 1);
constexpr int kGlyphHeight = 7;

// Lays images out in a grid (same size each), `columns` wide, with a caption under each.
Image contact_sheet(const std::vector<Image>& images, const std::vector<std::string>& captions, int columns);

// Writes a PNG; throws std::runtime_error naming the path when it cannot.
void write_png(const std::filesystem::path& path, const Image& image);

}  // namespace being::draw
