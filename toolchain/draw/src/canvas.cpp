#include "being/draw/canvas.h"

#include "font5x7.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace being::draw {

Image::Image(int w, int h, Color fill) : width(w), height(h), rgb(static_cast<std::size_t>(w) * h * 3) {
  if (w < 0 || h < 0) throw std::invalid_argument("image size must not be negative");
  for (std::size_t i = 0; i < rgb.size(); i += 3) std::copy(fill.begin(), fill.end(), rgb.begin() + i);
}

void blend(Image& image, int x, int y, Color color, double alpha) {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height || alpha <= 0.0) return;
  alpha = std::min(alpha, 1.0);
  std::uint8_t* p = image.at(x, y);
  for (int c = 0; c < 3; ++c) p[c] = static_cast<std::uint8_t>(std::lround(p[c] + alpha * (color[c] - p[c])));
}

void fill_rect(Image& image, int x, int y, int w, int h, Color color, double alpha) {
  for (int yy = std::max(0, y); yy < std::min(image.height, y + h); ++yy)
    for (int xx = std::max(0, x); xx < std::min(image.width, x + w); ++xx) blend(image, xx, yy, color, alpha);
}

void draw_disc(Image& image, Point c, double radius, Color color, double alpha) {
  const int x0 = static_cast<int>(std::floor(c.x - radius)), x1 = static_cast<int>(std::ceil(c.x + radius));
  const int y0 = static_cast<int>(std::floor(c.y - radius)), y1 = static_cast<int>(std::ceil(c.y + radius));
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) {
      // Pixel centres at +0.5; coverage falls off over one pixel at the rim (anti-aliasing).
      const double d = std::hypot(x + 0.5 - c.x, y + 0.5 - c.y);
      blend(image, x, y, color, alpha * std::clamp(radius + 0.5 - d, 0.0, 1.0));
    }
}

void draw_line(Image& image, Point a, Point b, Color color, double thickness, double alpha) {
  const double half = thickness / 2.0;
  const int x0 = static_cast<int>(std::floor(std::min(a.x, b.x) - half - 1)), x1 = static_cast<int>(std::ceil(std::max(a.x, b.x) + half + 1));
  const int y0 = static_cast<int>(std::floor(std::min(a.y, b.y) - half - 1)), y1 = static_cast<int>(std::ceil(std::max(a.y, b.y) + half + 1));
  const double dx = b.x - a.x, dy = b.y - a.y, length2 = dx * dx + dy * dy;
  for (int y = std::max(0, y0); y <= std::min(image.height - 1, y1); ++y)
    for (int x = std::max(0, x0); x <= std::min(image.width - 1, x1); ++x) {
      const double px = x + 0.5 - a.x, py = y + 0.5 - a.y;
      const double t = length2 > 0 ? std::clamp((px * dx + py * dy) / length2, 0.0, 1.0) : 0.0;
      const double d = std::hypot(px - t * dx, py - t * dy);
      blend(image, x, y, color, alpha * std::clamp(half + 0.5 - d, 0.0, 1.0));
    }
}

void draw_polyline(Image& image, const std::vector<Point>& points, bool closed, Color color, double thickness) {
  for (std::size_t i = 0; i + 1 < points.size(); ++i) draw_line(image, points[i], points[i + 1], color, thickness);
  if (closed && points.size() > 2) draw_line(image, points.back(), points.front(), color, thickness);
}

void fill_polygon(Image& image, const std::vector<Point>& polygon, Color color, double alpha) {
  if (polygon.size() < 3) return;
  std::vector<double> crossings;
  for (int y = 0; y < image.height; ++y) {
    const double sy = y + 0.5;
    crossings.clear();
    for (std::size_t i = 0; i < polygon.size(); ++i) {
      const Point& p = polygon[i];
      const Point& q = polygon[(i + 1) % polygon.size()];
      if ((p.y <= sy) != (q.y <= sy)) crossings.push_back(p.x + (sy - p.y) / (q.y - p.y) * (q.x - p.x));
    }
    std::sort(crossings.begin(), crossings.end());
    for (std::size_t k = 0; k + 1 < crossings.size(); k += 2) {
      const int from = std::max(0, static_cast<int>(std::ceil(crossings[k] - 0.5)));
      const int to = std::min(image.width - 1, static_cast<int>(std::floor(crossings[k + 1] - 0.5)));
      for (int x = from; x <= to; ++x) blend(image, x, y, color, alpha);
    }
  }
}

void tint_mask(Image& image, const std::vector<float>& mask, Color color, double alpha) {
  if (mask.size() != static_cast<std::size_t>(image.width) * image.height)
    throw std::invalid_argument("tint_mask: mask size does not match the image");
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) blend(image, x, y, color, alpha * std::clamp<double>(mask[static_cast<std::size_t>(y) * image.width + x], 0.0, 1.0));
}

int text_width(const std::string& text, int scale) { return static_cast<int>(text.size()) * 6 * scale; }

int draw_text(Image& image, int x, int y, const std::string& text, Color color, int scale) {
  int pen = x;
  for (unsigned char ch : text) {
    const int glyph = ch >= 32 && ch <= 126 ? ch - 32 : '?' - 32;
    for (int row = 0; row < kGlyphHeight; ++row)
      for (int col = 0; col < 5; ++col)
        if (detail::kFont5x7[glyph][row] & (0x10 >> col)) fill_rect(image, pen + col * scale, y + row * scale, scale, scale, color);
    pen += 6 * scale;
  }
  return pen - x;
}

Image contact_sheet(const std::vector<Image>& images, const std::vector<std::string>& captions, int columns) {
  if (images.empty()) throw std::invalid_argument("contact_sheet: no images");
  if (columns <= 0) throw std::invalid_argument("contact_sheet: columns must be positive");
  const int w = images[0].width, h = images[0].height, caption = kGlyphHeight + 6;
  for (const auto& im : images)
    if (im.width != w || im.height != h) throw std::invalid_argument("contact_sheet: images differ in size");
  const int rows = (static_cast<int>(images.size()) + columns - 1) / columns;
  Image sheet(columns * w, rows * (h + caption), {24, 24, 24});
  for (std::size_t i = 0; i < images.size(); ++i) {
    const int ox = static_cast<int>(i % columns) * w, oy = static_cast<int>(i / columns) * (h + caption);
    for (int y = 0; y < h; ++y) std::copy_n(images[i].at(0, y), w * 3, sheet.at(ox, oy + y));
    if (i < captions.size()) draw_text(sheet, ox + 3, oy + h + 3, captions[i], {230, 230, 230});
  }
  return sheet;
}

void write_png(const std::filesystem::path& path, const Image& image) {
  if (image.width <= 0 || image.height <= 0) throw std::runtime_error(path.string() + ": cannot write an empty image");
  if (!stbi_write_png(path.c_str(), image.width, image.height, 3, image.rgb.data(), image.width * 3))
    throw std::runtime_error(path.string() + ": cannot be written (check that the folder exists and is writable)");
}

}  // namespace being::draw
