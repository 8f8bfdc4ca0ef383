/* being.h: the embeddable Being runtime (libbeing), a C API.
 *
 * Load an .avatar, drive it with audio samples (any rate, any channel count) or with expression
 * weights from the application's own face tracker, and render frames into a CPU buffer or into a
 * VkImage on the application's own Vulkan device. docs/c-api.md is the guide; this header is the
 * reference.
 *
 * Conventions
 * - Every call that can fail returns a being_result. On failure nothing was changed, any output
 *   handle is set to NULL, and being_last_error() holds a message saying what is wrong and what to
 *   do. No C++ exception ever leaves the library.
 * - Create-info structs start with `api_version`, which must be BEING_API_VERSION (the layout this
 *   header describes); any other value is rejected with BEING_ERROR_UNSUPPORTED_VERSION. Zero-
 *   initialise a struct, set api_version and change only what you need: zero means "default" for
 *   every other field.
 * - Destroy functions accept NULL. A player keeps its context and avatar alive, so handles may be
 *   destroyed in any order.
 *
 * Thread safety
 * - being_last_error() is per thread.
 * - An avatar is immutable once loaded: any number of threads and players may use it at once.
 * - A player must not be used from two threads at the same time (one player, one thread at a time).
 * - Different players may be used from different threads at once, also on one context: the library
 *   serialises their GPU work on the context's queue with a lock of its own.
 * - With a wrapped device (being_context_wrap_vulkan), the library submits to the application's
 *   queue inside being_player_create, being_player_render_* and being_player_destroy. Vulkan requires
 *   that no other thread uses that queue during those calls; the application must ensure this.
 *
 * Synchronisation (being_player_render_vk_image)
 * The call records its work, submits it to the context's queue and waits until it has finished
 * before returning: the image is then ready for the application's next submission, with no
 * semaphore. Work the application submitted earlier to the same queue is ordered before the copy by
 * a full pipeline barrier; work on any other queue that touches the image must be finished (waited
 * for) before the call.
 */
#ifndef BEING_BEING_H
#define BEING_BEING_H

#include <stddef.h>
#include <stdint.h>

#include <vulkan/vulkan.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BEING_MAKE_VERSION(major, minor, patch) (((uint32_t)(major) << 22) | ((uint32_t)(minor) << 12) | (uint32_t)(patch))
#define BEING_VERSION_MAJOR(version) ((uint32_t)(version) >> 22)
#define BEING_VERSION_MINOR(version) (((uint32_t)(version) >> 12) & 0x3FFu)
#define BEING_VERSION_PATCH(version) ((uint32_t)(version) & 0xFFFu)

/* The library version this header belongs to (the shared library's SONAME carries the major). */
#define BEING_HEADER_VERSION BEING_MAKE_VERSION(0, 1, 0)
/* The version of the structs and calls below; create-info structs carry it in api_version. */
#define BEING_API_VERSION 1u

#if defined(BEING_BUILDING_LIBRARY)
#define BEING_API __attribute__((visibility("default")))
#else
#define BEING_API
#endif

/* Enums are int-sized in C. In C++ they get `int` as their fixed underlying type, so that any value a
 * C caller passes is a valid value of the enum (the library checks it and reports unknown values). */
#ifdef __cplusplus
#define BEING_ENUM(name) enum name : int
#else
#define BEING_ENUM(name) enum name
#endif

typedef BEING_ENUM(being_result) {
  BEING_OK = 0,
  BEING_ERROR_INVALID_ARGUMENT = 1,   /* a NULL handle or pointer, a wrong size, a value out of range */
  BEING_ERROR_UNSUPPORTED_VERSION = 2, /* api_version is not BEING_API_VERSION */
  BEING_ERROR_UNSUPPORTED = 3,        /* a format, layout or setting this library or avatar cannot do */
  BEING_ERROR_INVALID_AVATAR = 4,     /* the file is missing, unreadable or not a valid .avatar */
  BEING_ERROR_DEVICE = 5,             /* no usable Vulkan device, or a Vulkan call failed */
  BEING_ERROR_OUT_OF_MEMORY = 6,
  BEING_ERROR_INTERNAL = 7            /* a bug in the library: please report the message */
} being_result;

typedef struct being_context being_context; /* one Vulkan device (own or the application's) */
typedef struct being_avatar being_avatar;   /* one loaded .avatar file */
typedef struct being_player being_player;   /* one avatar playing on one context */

/* The library's version (BEING_MAKE_VERSION); may be newer than BEING_HEADER_VERSION. */
BEING_API uint32_t being_version(void);
/* The message of the last call that failed on this thread ("" when none has); valid until the
 * next failing call on this thread. */
BEING_API const char* being_last_error(void);
/* "BEING_OK", "BEING_ERROR_INVALID_ARGUMENT", ...; "unknown being_result" for other values. */
BEING_API const char* being_result_name(being_result result);

/* ---- Context ---------------------------------------------------------------------------------- */

typedef struct being_context_create_info {
  uint32_t api_version;        /* BEING_API_VERSION */
  const char* device_selector; /* NULL or "": the best device (discrete, integrated, ..., CPU);
                                  a number: that device index; text: the first device whose name
                                  contains it */
  uint32_t validation;         /* nonzero: enable the Khronos validation layer when installed */
} being_context_create_info;

/* Creates a Vulkan instance and device of the library's own. */
BEING_API being_result being_context_create(const being_context_create_info* info, being_context** context);

/* The application's Vulkan objects, borrowed (never destroyed by the library). */
typedef struct being_vulkan_device {
  uint32_t api_version; /* BEING_API_VERSION */
  VkInstance instance;       /* created with VkApplicationInfo::apiVersion >= VK_API_VERSION_1_2 (the
                                library's shaders are SPIR-V 1.5) */
  VkPhysicalDevice physical_device;
  VkDevice device;           /* Vulkan 1.2 or newer; no extension or feature is needed */
  uint32_t queue_family;     /* must support compute; images given to render_vk_image belong to it */
  VkQueue queue;             /* a queue of queue_family */
} being_vulkan_device;

/* Renders on the application's device (sharing its VkDevice and queue). The device must outlive
 * every context and player made from it. */
BEING_API being_result being_context_wrap_vulkan(const being_vulkan_device* device, being_context** context);

/* The context's Vulkan objects (the application's own for a wrapped context); api_version is set
 * to BEING_API_VERSION. */
BEING_API being_result being_context_get_vulkan(const being_context* context, being_vulkan_device* device);

BEING_API void being_context_destroy(being_context* context);

/* ---- Avatar ----------------------------------------------------------------------------------- */

/* Reads and validates an .avatar file (docs/avatar-format.md). */
BEING_API being_result being_avatar_load(const char* path, being_avatar** avatar);
BEING_API void being_avatar_destroy(being_avatar* avatar);

/* The number of expression weights (set_expression's count). */
BEING_API being_result being_avatar_expression_count(const being_avatar* avatar, uint32_t* count);
/* The name of weight `index` (e.g. "jawOpen"); the string lives as long as the avatar. */
BEING_API being_result being_avatar_expression_name(const being_avatar* avatar, uint32_t index, const char** name);
/* The avatar camera's size: the default frame size. */
BEING_API being_result being_avatar_size(const being_avatar* avatar, uint32_t* width, uint32_t* height);

/* ---- Player ----------------------------------------------------------------------------------- */

typedef BEING_ENUM(being_background) {
  BEING_BACKGROUND_AUTO = 0,    /* the idle-loop plate when the avatar has plates, else `color` */
  BEING_BACKGROUND_PLATE = 1,   /* the idle-loop plate (an error for avatars without plates) */
  BEING_BACKGROUND_COLOR = 2,   /* the solid `color` */
  BEING_BACKGROUND_TRANSPARENT = 3 /* alpha = coverage of the head */
} being_background;

#define BEING_LOOK_AHEAD_NONE (-1)

typedef struct being_player_create_info {
  uint32_t api_version;        /* BEING_API_VERSION */
  uint32_t width, height;      /* frame size, 16..8192 each; 0: the avatar camera's */
  being_background background;
  float color[3];              /* linear RGB 0..1, for BEING_BACKGROUND_COLOR (and AUTO without plates) */
  uint32_t fps;                /* frame rate that frame indices count in; 0: 60 */
  int32_t look_ahead_frames;   /* avatar frames of future audio a frame waits for: 0: the avatar's
                                  whole context (best quality, most latency); 1..context: that many;
                                  BEING_LOOK_AHEAD_NONE: none (lowest latency) */
  uint32_t still;              /* nonzero: no idle motion (always the idle loop's first pose and plate) */
} being_player_create_info;

BEING_API being_result being_player_create(being_context* context, const being_avatar* avatar,
                                           const being_player_create_info* info, being_player** player);
BEING_API void being_player_destroy(being_player* player);

/* The frame size. */
BEING_API being_result being_player_size(const being_player* player, uint32_t* width, uint32_t* height);

/* Appends audio: `frame_count` sample frames of `channels` interleaved float samples (-1..1) at
 * `sample_rate` Hz (1000..384000; channels 1..16, mixed down to mono). The first sample pushed
 * plays at time 0 (frame 0). A different rate than the previous call's starts a new resampler
 * (the previous one's tail is flushed first). */
BEING_API being_result being_player_push_audio(being_player* player, const float* samples, size_t frame_count,
                                               uint32_t sample_rate, uint32_t channels);
/* Frames whose audio has arrived: frames 0 .. *frames - 1 can show their final expression. */
BEING_API being_result being_player_frames_ready(const being_player* player, int64_t* frames);
/* Audio past a frame's time that the frame waits for, in seconds (the look-ahead latency). */
BEING_API being_result being_player_latency(const being_player* player, double* seconds);

/* Sets the expression weights directly (`count` must be the avatar's expression count); they are
 * shown instead of the audio's until being_player_clear_expression. Audio pushed meanwhile is
 * still analysed, so clearing returns to the audio in step. */
BEING_API being_result being_player_set_expression(being_player* player, const float* weights, uint32_t count);
BEING_API being_result being_player_clear_expression(being_player* player);
/* The expression weights of the last rendered frame (`count` must be the expression count). */
BEING_API being_result being_player_get_expression(const being_player* player, float* weights, uint32_t count);

typedef BEING_ENUM(being_pixel_format) {
  BEING_PIXEL_FORMAT_RGBA8 = 1,   /* 4 bytes per pixel, straight (not premultiplied) alpha, as in
                                     `being render`'s PNG frames */
  BEING_PIXEL_FORMAT_RGBA32F = 2  /* 4 floats per pixel, colour premultiplied by alpha */
} being_pixel_format;

/* Renders frame `frame` (time frame / fps: the idle loop's pose and plate for that time) with the
 * expression set by set_expression or, without one, the audio's expression for that frame once its
 * audio has arrived (else the newest expression that has; none yet: the neutral expression).
 * Request frames in increasing order; an earlier frame than the last one rendered keeps the last
 * expression. Rows are `stride` bytes apart (at least width * bytes per pixel); `buffer_size` is
 * the size of `pixels` in bytes (at least stride * (height - 1) + width * bytes per pixel). */
BEING_API being_result being_player_render_cpu(being_player* player, int64_t frame, void* pixels, size_t stride,
                                               size_t buffer_size, being_pixel_format format);

/* An image on the context's device that render_vk_image writes. */
typedef struct being_vk_image_target {
  uint32_t api_version;       /* BEING_API_VERSION */
  VkImage image;              /* 2D, mip level 0 and array layer 0 are written, created with
                                 VK_IMAGE_USAGE_TRANSFER_DST_BIT, exclusive to the context's queue
                                 family */
  VkFormat format;            /* VK_FORMAT_R32G32B32A32_SFLOAT, or 8 bits per channel:
                                 R8G8B8A8_UNORM/_SRGB, B8G8R8A8_UNORM/_SRGB (the bytes of
                                 `being render`'s frames, unconverted). Colour is premultiplied by
                                 alpha in every format. */
  uint32_t width, height;     /* the image's extent: must equal the player's frame size */
  VkImageLayout old_layout;   /* the image's layout now (UNDEFINED discards the contents) */
  VkImageLayout new_layout;   /* the layout to leave it in (not UNDEFINED or PREINITIALIZED) */
} being_vk_image_target;

/* Renders frame `frame` (as render_cpu) into the application's image. See "Synchronisation" above. */
BEING_API being_result being_player_render_vk_image(being_player* player, int64_t frame,
                                                    const being_vk_image_target* target);

#ifdef __cplusplus
}
#endif

#endif /* BEING_BEING_H */
