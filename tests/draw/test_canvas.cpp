#include "being/draw/canvas.h"

#include "being_test.h"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#include <stb/stb_image.h>

using namespace being::draw;

namespace {

int count_colored(const Image& im, Color c) {
  int n = 0;
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x) n += im.at(x, y)[0] == c[0] && im.at(x, y)[1] == c[1] && im.at(x, y)[2] == c[2];
  return n;
}

}  // namespace

TEST(Canvas, LinesAndDiscsCoverWhereTheyShould) {
  Image im(40, 20);
  draw_line(im, {5, 10}, {35, 10}, {255, 0, 0}, 3.0);
  EXPECT_EQ(im.at(20, 10)[0], 255);  // on the line
  EXPECT_EQ(im.at(20, 14)[0], 0);    // beyond its half thickness
  EXPECT_EQ(im.at(2, 10)[0], 0);     // before its start
  draw_disc(im, {10.5, 4.5}, 2.0, {0, 255, 0});
  EXPECT_EQ(im.at(10, 4)[1], 255);
  EXPECT_EQ(im.at(10, 9)[1], 0);
  draw_line(im, {-100, -100}, {-50, -50}, {255, 255, 255});  // off the image: nothing, no crash
  EXPECT_EQ(count_colored(im, {255, 255, 255}), 0);
}

TEST(Canvas, PolygonFillTintsTheInsideOnly) {
  Image im(30, 30, {100, 100, 100});
  fill_polygon(im, {{5, 5}, {25, 5}, {25, 25}, {5, 25}}, {200, 0, 0}, 0.5);
  EXPECT_EQ(im.at(15, 15)[0], 150);
  EXPECT_EQ(im.at(15, 15)[1], 50);
  EXPECT_EQ(im.at(2, 2)[0], 100);
  EXPECT_EQ(count_colored(im, {150, 50, 50}), 20 * 20);
}

TEST(Canvas, MaskTintFollowsTheMask) {
  Image im(4, 1);
  tint_mask(im, {0.0f, 0.5f, 1.0f, 2.0f}, {200, 200, 200}, 1.0);
  EXPECT_EQ(im.at(0, 0)[0], 0);
  EXPECT_EQ(im.at(1, 0)[0], 100);
  EXPECT_EQ(im.at(2, 0)[0], 200);
  EXPECT_EQ(im.at(3, 0)[0], 200);
  EXPECT_THROW(tint_mask(im, {1.0f}, {1, 1, 1}, 1.0), std::invalid_argument);
}

TEST(Canvas, TextDrawsGlyphsInItsBox) {
  Image im(60, 12);
  const int w = draw_text(im, 2, 2, "jaw 0.8", {255, 255, 0});
  EXPECT_EQ(w, text_width("jaw 0.8"));
  const int lit = count_colored(im, {255, 255, 0});
  EXPECT_GT(lit, 30);
  // Nothing outside the text box.
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x)
      if (x < 2 || x >= 2 + w || y < 2 || y >= 2 + kGlyphHeight) EXPECT_EQ(im.at(x, y)[0], 0) << x << "," << y;
  Image big(60, 20);
  draw_text(big, 0, 0, "jaw", {255, 255, 0}, 2);
  EXPECT_EQ(count_colored(big, {255, 255, 0}), 4 * count_colored([&] { Image s(60, 12); draw_text(s, 0, 0, "jaw", {255, 255, 0}); return s; }(), {255, 255, 0}));
}

TEST(Canvas, ContactSheetTilesAndPngRoundTrips) {
  std::vector<Image> tiles = {Image(8, 6, {255, 0, 0}), Image(8, 6, {0, 255, 0}), Image(8, 6, {0, 0, 255})};
  const Image sheet = contact_sheet(tiles, {"a", "b", "c"}, 2);
  EXPECT_EQ(sheet.width, 16);
  EXPECT_EQ(sheet.height, 2 * (6 + kGlyphHeight + 6));
  EXPECT_EQ(sheet.at(9, 1)[1], 255);                    // second tile, first row
  EXPECT_EQ(sheet.at(1, 6 + kGlyphHeight + 6 + 1)[2], 255);  // third tile, second row
  auto dir = being::test::scratch_dir("draw_png");
  write_png(dir / "sheet.png", sheet);
  int w = 0, h = 0, c = 0;
  unsigned char* data = stbi_load((dir / "sheet.png").c_str(), &w, &h, &c, 3);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(w, sheet.width);
  EXPECT_EQ(std::vector<unsigned char>(data, data + w * h * 3), sheet.rgb);
  stbi_image_free(data);
  EXPECT_THROW(write_png(dir / "missing" / "x.png", sheet), std::runtime_error);
  EXPECT_THROW(contact_sheet({Image(2, 2), Image(3, 3)}, {}, 2), std::invalid_argument);
}
