/* pixeen.h — the whole public API of Pixeen, an on-device image generator that runs Stable
 * Diffusion models as Vulkan compute shaders on any vendor's GPU.
 *
 * Usage: load a model, generate, save encrypted (every call returns a pixeen_status; check it):
 *
 *     pixeen_context *ctx = NULL;  pixeen_model *model = NULL;  pixeen_image *image = NULL;
 *     pixeen_context_create(NULL, &ctx);                                 // the best GPU
 *     pixeen_model_desc m = {0};  m.path = "sd15.safetensors";
 *     pixeen_model_load(ctx, &m, &model);                                // weights go to the GPU
 *     pixeen_generate_desc g = {0};  g.prompt = "a lighthouse at dusk";  // {0}: defaults
 *     pixeen_generate(model, &g, &image);                                // the image stays on the GPU
 *     const char *to[] = {"age1..."};  pixeen_seal_desc seal = {to, 1};  // encrypt to a recipient
 *     pixeen_image_save_desc s = {0};  s.path = "out.png.age";  s.seal = &seal;
 *     pixeen_image_save(image, 0, &s);
 *     pixeen_image_destroy(image); pixeen_model_destroy(model); pixeen_context_destroy(ctx);
 *
 * Return convention: every function that can fail returns a pixeen_status; PIXEEN_OK (0) is
 * success and every error is negative, grouped by area (general, GPU, models, vault).
 * pixeen_status_string() names a status. After an error, pixeen_context_last_error(ctx) holds one
 * sentence that says what failed and where; functions without a context (or called with a NULL
 * one) leave it in pixeen_last_error(), which is per thread. Misuse (NULL handles, out-of-range
 * sizes, NaN numbers) is an error, never a crash.
 *
 * Thread safety:
 *   - A context and everything created from it (models, images) may be used by one thread at a
 *     time; the application serializes its calls. Different contexts are independent.
 *   - Exceptions, callable from any thread at any time: pixeen_context_cancel() (stops a running
 *     generate within one step), pixeen_status_string(), pixeen_version(), pixeen_last_error()
 *     (the calling thread's). A second pixeen_generate on a context while one runs returns
 *     PIXEEN_ERROR_BUSY instead of racing.
 *   - Callbacks (log, progress, preview) run on the thread that called Pixeen, during the call;
 *     they must not call back into the same context (except pixeen_context_cancel).
 *   - Functions without a context (vault, models, tokenizer) are thread-safe.
 *
 * Ownership:
 *   - Whoever creates an object destroys it with the matching _destroy function, in reverse order
 *     (images and models before their context); objects returned through an out-parameter belong
 *     to the caller. Every _destroy accepts NULL (a no-op).
 *   - Strings and descriptors passed in are copied or used only during the call, unless a field
 *     says otherwise. Strings returned (names, messages) are owned by Pixeen; see each function
 *     for how long they stay valid.
 *   - Vulkan objects an application hands in (pixeen_vulkan_device) are borrowed: Pixeen never
 *     destroys them, and the application keeps them alive until the context is destroyed. A
 *     VkBuffer Pixeen hands out (pixeen_image_get_vulkan_buffer) stays Pixeen's.
 *   - Secrets (pixeen_secret: plaintext images, passphrases, keys) live in locked memory and are
 *     wiped when destroyed.
 *
 * Descriptors: every *_desc struct may be zero-initialised ({0}, or NULL where the function says
 * so) to mean "all defaults"; each field's default is written beside it.
 *
 * Stability: the tool functions the `pixeen` command line is built from are exported but UNSTABLE:
 * their signatures and output may change in any release, 1.x included. They are the printers
 * taking a FILE * (pixeen_devices_print, pixeen_context_profile_print, pixeen_model_inspect,
 * pixeen_tokenize_print, pixeen_bench_compare), pixeen_model_quantize, pixeen_bench_run,
 * pixeen_bench_pipeline, pixeen_file_write_atomic, pixeen_file_read and pixeen_passphrase_read. Everything else follows
 * the version rules (0.x: the minor version; then the major).
 *
 * This header includes neither vulkan.h nor sodium.h, and is valid C99 and C++.
 */
#ifndef PIXEEN_PIXEEN_H
#define PIXEEN_PIXEEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PIXEEN_BUILDING_LIBRARY) && defined(_WIN32)
#define PIXEEN_API __declspec(dllexport) /* functions only: callers need no dllimport */
#elif defined(PIXEEN_BUILDING_LIBRARY) && defined(__GNUC__)
#define PIXEEN_API __attribute__((visibility("default")))
#else
#define PIXEEN_API
#endif

#define PIXEEN_VERSION_MAJOR 0
#define PIXEEN_VERSION_MINOR 1
#define PIXEEN_VERSION_PATCH 0

/* ---- status codes: 0 is success, negative codes are grouped by area ---------------------- */
typedef enum pixeen_status {
    PIXEEN_OK = 0,
    /* general, -1 .. -99 */
    PIXEEN_ERROR_INVALID_ARGUMENT = -1, /* a parameter was out of range, null or inconsistent */
    PIXEEN_ERROR_OUT_OF_MEMORY = -2,    /* host memory could not be allocated */
    PIXEEN_ERROR_IO = -3,               /* a file could not be read or written */
    PIXEEN_ERROR_CANCELLED = -4,        /* the caller cancelled the operation */
    PIXEEN_ERROR_BUSY = -5,             /* the context is running another operation */
    PIXEEN_ERROR_UNSUPPORTED = -6,      /* valid request this build or device cannot do */
    PIXEEN_ERROR_INTERNAL = -7,         /* a bug in Pixeen: please report it */
    PIXEEN_ERROR_EXISTS = -8,           /* refusing to overwrite an existing file */
    /* GPU, -100 .. -199 */
    PIXEEN_ERROR_NO_DEVICE = -100,         /* no Vulkan driver or no usable device */
    PIXEEN_ERROR_VULKAN = -101,            /* a Vulkan call failed */
    PIXEEN_ERROR_DEVICE_LOST = -102,       /* the GPU was lost (driver reset, removal) */
    PIXEEN_ERROR_GPU_OUT_OF_MEMORY = -103, /* device memory exhausted */
    PIXEEN_ERROR_VALIDATION = -104,        /* the numeric self-check of a kernel failed */
    /* models and input data, -200 .. -299 */
    PIXEEN_ERROR_FORMAT = -200,       /* a file is malformed (safetensors, JSON, npy, PNG) */
    PIXEEN_ERROR_MODEL = -201,        /* a model is missing tensors or has the wrong shapes */
    PIXEEN_ERROR_TOKENIZER = -202,    /* tokenizer files missing or malformed */
    /* vault (encryption, keys), -300 .. -399 */
    PIXEEN_ERROR_DECRYPT = -300, /* cannot decrypt: wrong key, tampered or truncated (never says which) */
    PIXEEN_ERROR_KEY = -301,     /* a key or recipient string is malformed */
} pixeen_status;

/* Name of a status ("PIXEEN_ERROR_IO"), or "PIXEEN_UNKNOWN_STATUS". Never NULL; static storage. */
PIXEEN_API const char *pixeen_status_string(pixeen_status status);

/* The last detailed error message of the calling thread ("" if none). Valid until the next
 * Pixeen call on this thread. */
PIXEEN_API const char *pixeen_last_error(void);

/* "0.1.0": the library's version at run time (compare with PIXEEN_VERSION_*). */
PIXEEN_API const char *pixeen_version(void);

/* ---- devices ----------------------------------------------------------------------------- */

/* Prints every Vulkan device with its driver, memory and capabilities, and which one would be
 * chosen for `selector` (an index or a name substring; NULL or "" means $PIXEEN_DEVICE, else
 * the automatic choice). Needs no context. Returns PIXEEN_ERROR_NO_DEVICE with an explanation of
 * how to install a driver when no Vulkan driver is present. */
PIXEEN_API pixeen_status pixeen_devices_print(FILE *out, const char *selector);

/* ---- contexts, models and generation ------------------------------------------------------ */
/* A context owns one GPU (Vulkan instance, device, memory, pipelines). A model lives on one
 * context. pixeen_generate runs text to image entirely on the GPU and returns a pixeen_image that
 * stays there until read, saved, or destroyed (which clears its GPU memory).
 *
 * ABI growth: every descriptor ends in reserved words that must be zero (and every struct the
 * library fills in, like pixeen_image_info, ends in reserved words it writes as zero). A later minor version
 * turns reserved words into new fields whose zero value is the old behaviour, so a program built
 * against this header keeps working (its {0}-initialised reserved words are the new fields'
 * defaults); the descriptor's size never changes within a major version. A library older than the
 * header a program was built with rejects a non-zero reserved word with
 * PIXEEN_ERROR_UNSUPPORTED instead of silently ignoring a field it does not know. */

typedef struct pixeen_context pixeen_context;
typedef struct pixeen_model pixeen_model;
typedef struct pixeen_image pixeen_image;

typedef enum pixeen_log_level {
    PIXEEN_LOG_ERROR = 0,
    PIXEEN_LOG_WARN = 1,
    PIXEEN_LOG_INFO = 2,
    PIXEEN_LOG_DEBUG = 3,
} pixeen_log_level;

/* Receives diagnostics (never prompts or keys), on the thread that calls Pixeen. Diagnostics are
 * process-wide: the callback of the most recently created context that has one receives them all
 * (other contexts' too) until that context is destroyed; then they go to stderr again. */
typedef void (*pixeen_log_fn)(pixeen_log_level level, const char *message, void *user);

/* Sharing the application's GPU. An application with its own Vulkan renderer hands Pixeen its
 * instance, physical device, device and a queue, so both use one VkDevice (one memory pool, no
 * copies between devices) and the result can be displayed straight from its VkBuffer
 * (pixeen_image_get_vulkan_buffer). The handles are borrowed: Pixeen never destroys them. Handles
 * are passed as void * so this header needs no vulkan.h: cast VkInstance, VkPhysicalDevice,
 * VkDevice and VkQueue (all dispatchable, i.e. pointers) to void *.
 *
 * What the application must have done (pixeen_context_create checks what it can and fails with
 * PIXEEN_ERROR_UNSUPPORTED naming the missing piece):
 *   - created the instance with VkApplicationInfo.apiVersion >= VK_API_VERSION_1_2, on a physical
 *     device that supports Vulkan 1.2;
 *   - enabled storageBuffer16BitAccess (VkPhysicalDeviceVulkan11Features) on the device: required,
 *     weights are fp16 (PIXEEN_VULKAN_FEATURE_STORAGE_16BIT);
 *   - enabled shaderFloat16 (VkPhysicalDeviceVulkan12Features) when the physical device supports
 *     it: required then, because fp16 arithmetic halves activation memory
 *     (PIXEEN_VULKAN_FEATURE_FLOAT16);
 *   - optionally enabled VK_KHR_push_descriptor (faster recording; PIXEEN_VULKAN_FEATURE_PUSH_DESCRIPTOR);
 *   - given a queue whose family has VK_QUEUE_COMPUTE_BIT.
 * Vulkan cannot be asked which features a VkDevice was created with, so `features` declares them;
 * a bit set for a feature the physical device lacks is rejected.
 * Queue access: Vulkan requires vkQueueSubmit on one queue to be externally synchronized. Pixeen
 * submits from the thread that calls it. If the application may submit to the same queue from
 * another thread meanwhile, it passes lock_queue/unlock_queue, which Pixeen calls around each use
 * of the queue; else it must not touch the queue while a Pixeen call runs. */
typedef enum pixeen_vulkan_feature {
    PIXEEN_VULKAN_FEATURE_STORAGE_16BIT = 1u << 0,   /* storageBuffer16BitAccess (required) */
    PIXEEN_VULKAN_FEATURE_FLOAT16 = 1u << 1,         /* shaderFloat16 (required where supported) */
    PIXEEN_VULKAN_FEATURE_PUSH_DESCRIPTOR = 1u << 2, /* VK_KHR_push_descriptor (optional) */
} pixeen_vulkan_feature;

/* Returns the address of a Vulkan command (the shape of PFN_vkGetInstanceProcAddr). */
typedef void (*pixeen_vulkan_void_fn)(void);
typedef pixeen_vulkan_void_fn (*pixeen_vulkan_get_instance_proc_addr_fn)(void *instance, const char *name);

typedef struct pixeen_vulkan_device {
    void *instance;        /* required: VkInstance (apiVersion >= 1.2) */
    void *physical_device; /* required: VkPhysicalDevice of `device` */
    void *device;          /* required: VkDevice */
    void *queue;           /* required: VkQueue of queue_family */
    uint32_t queue_family; /* the queue's family index; must support compute */
    uint32_t features;     /* pixeen_vulkan_feature bits the device was created with */
    pixeen_vulkan_get_instance_proc_addr_fn get_instance_proc_addr; /* default NULL: libvulkan.so.1's */
    void (*lock_queue)(void *user);   /* default NULL: see "Queue access" above */
    void (*unlock_queue)(void *user); /* set together with lock_queue */
    void *queue_user;                 /* passed to lock_queue / unlock_queue */
    uint32_t reserved[16];            /* must be zero */
} pixeen_vulkan_device;

typedef struct pixeen_context_desc {
    const char *device;  /* default NULL: $PIXEEN_DEVICE, else discrete > integrated > virtual > CPU */
    pixeen_log_fn log;   /* default NULL: warnings and errors to stderr */
    void *log_user;      /* passed to log */
    int validation;      /* default 0: Khronos validation layer only if $PIXEEN_VALIDATION=1
                            (ignored with `vulkan`: the application chose its instance's layers) */
    const pixeen_vulkan_device *vulkan; /* default NULL: Pixeen creates its own instance and
                            device; else the application's, borrowed (`device` is then ignored).
                            Read during the call only; the handles must outlive the context. */
    uint32_t reserved[16]; /* must be zero */
} pixeen_context_desc;

/* Creates a context on the chosen device (desc NULL: all defaults). PIXEEN_ERROR_NO_DEVICE (with
 * how to install a driver) when there is no Vulkan device; PIXEEN_ERROR_UNSUPPORTED when a
 * borrowed device lacks a required feature or a reserved word is set. The caller destroys *out. */
PIXEEN_API pixeen_status pixeen_context_create(const pixeen_context_desc *desc, pixeen_context **out);
/* Waits for the GPU and frees everything the context owns; models and images must be destroyed
 * first. NULL is a no-op. */
PIXEEN_API void pixeen_context_destroy(pixeen_context *ctx);
/* The detailed message of the context's last failed call ("" if none). Valid until the next call
 * on the context. */
PIXEEN_API const char *pixeen_context_last_error(const pixeen_context *ctx);
/* The device's name (static for the context's lifetime). */
PIXEEN_API const char *pixeen_context_device_name(const pixeen_context *ctx);
/* Prints the GPU time per operator accumulated since the context was created, when profiling is
 * on ($PIXEEN_PROFILE=1: every dispatch is bracketed by timestamps), else says how to turn it on. */
PIXEEN_API void pixeen_context_profile_print(pixeen_context *ctx, FILE *out);
/* Asks a running pixeen_generate on `ctx` to stop; it returns PIXEEN_ERROR_CANCELLED within one
 * step and leaves the context usable. Safe to call from any thread, at any time. */
PIXEEN_API void pixeen_context_cancel(pixeen_context *ctx);

typedef enum pixeen_precision {
    PIXEEN_PRECISION_DEFAULT = 0, /* fp16 activations (fp32 where the device lacks fp16) */
    PIXEEN_PRECISION_FP16 = 1,
    PIXEEN_PRECISION_FP32 = 2, /* for parity checks; twice the activation memory */
} pixeen_precision;

/* What the model predicts (a single-file checkpoint does not say; a diffusers folder's
 * scheduler_config.json does, and these override it). */
typedef enum pixeen_prediction {
    PIXEEN_PREDICTION_DEFAULT = 0, /* the scheduler config's; single files: v for SD 2.x, else epsilon */
    PIXEEN_PREDICTION_EPSILON = 1, /* SD 1.x, SD 2.x 512 "base", SD-Turbo, SDXL */
    PIXEEN_PREDICTION_V = 2,       /* SD 2.x 768 (2.0-v, 2.1) */
} pixeen_prediction;

/* How inference timesteps are spaced over the training schedule (diffusers' timestep_spacing). */
typedef enum pixeen_spacing {
    PIXEEN_SPACING_DEFAULT = 0, /* the scheduler config's; single files: SDXL leading, else the sampler's */
    PIXEEN_SPACING_LINSPACE = 1,
    PIXEEN_SPACING_LEADING = 2,
    PIXEEN_SPACING_TRAILING = 3, /* Turbo and few-step models: the first step at the last timestep */
} pixeen_spacing;

typedef struct pixeen_model_desc {
    const char *path;          /* required: a diffusers folder or a single-file .safetensors */
    const char *tokenizer_dir; /* default NULL: the model's tokenizer folder, else the built-in CLIP vocabulary */
    pixeen_precision precision; /* default: fp16 */
    /* Grown from reserved words (zero keeps the behaviour from before them): */
    pixeen_prediction prediction; /* default: the model's (see pixeen_prediction) */
    const char *tokenizer_2_dir;  /* default NULL: SDXL's second tokenizer, found as tokenizer_dir is */
    pixeen_spacing spacing;       /* default: the model's (see pixeen_spacing) */
    uint32_t reserved[13];     /* must be zero */
} pixeen_model_desc;

/* Reads the model (weights stream to the GPU in fp16 without being held in host memory). A folder
 * holding a TAESD (config.json of diffusers' AutoencoderTiny) loads as a model that only
 * pixeen_probe's TAESD components run.
 * PIXEEN_ERROR_FORMAT / _MODEL name the file and tensor when the model is malformed,
 * PIXEEN_ERROR_TOKENIZER says which files to provide. The caller destroys *out. */
PIXEEN_API pixeen_status pixeen_model_load(pixeen_context *ctx, const pixeen_model_desc *desc, pixeen_model **out);
/* Frees the model's GPU memory. NULL is a no-op. */
PIXEEN_API void pixeen_model_destroy(pixeen_model *model);

typedef struct pixeen_model_info {
    const char *family;       /* "SD 1.x", ... (static) */
    int default_width;        /* pixels, from the model's configuration (512 for SD 1.5) */
    int default_height;
    int size_multiple;        /* width and height must be multiples of this (8 for real models) */
    uint64_t weight_bytes;    /* on the GPU */
    uint32_t reserved[8];     /* written as zero; later versions report more here */
} pixeen_model_info;
/* What the model is and the sizes it accepts. PIXEEN_ERROR_INVALID_ARGUMENT for NULL arguments. */
PIXEEN_API pixeen_status pixeen_model_get_info(const pixeen_model *model, pixeen_model_info *out);

typedef enum pixeen_sampler {
    PIXEEN_SAMPLER_DEFAULT = 0, /* Euler a */
    PIXEEN_SAMPLER_EULER_A = 1,
    PIXEEN_SAMPLER_EULER = 2,
    PIXEEN_SAMPLER_DDIM = 3,
    PIXEEN_SAMPLER_DPMPP_2M = 4,
    PIXEEN_SAMPLER_LCM = 5,
} pixeen_sampler;

typedef enum pixeen_schedule {
    PIXEEN_SCHEDULE_DEFAULT = 0, /* the model's scheduler configuration */
    PIXEEN_SCHEDULE_DISCRETE = 1,
    PIXEEN_SCHEDULE_KARRAS = 2,
} pixeen_schedule;

typedef enum pixeen_rng {
    PIXEEN_RNG_DEFAULT = 0, /* torch.randn on the CPU (what ComfyUI and diffusers on CPU draw) */
    PIXEEN_RNG_CPU = 1,
    PIXEEN_RNG_PHILOX = 2, /* torch's CUDA generator (AUTOMATIC1111 on NVIDIA) */
} pixeen_rng;

/* Called after each step from the generating thread. */
typedef void (*pixeen_progress_fn)(int step, int total, double elapsed_seconds, void *user);

/* Called from the generating thread after every preview_every-th step with a cheap preview of
 * image 0 of the batch: `rgb` holds width*height*3 bytes (RGB8, rows top to bottom) at the
 * latent size (the image size / the model's size_multiple: 8 for real models), decoded from the
 * current sample (still noisy in early steps) by the model family's fixed linear latent->RGB map
 * (no VAE), so it is blurry and its colours approximate. `rgb` is valid only during the
 * call. */
typedef void (*pixeen_preview_fn)(const uint8_t *rgb, int width, int height, int step, int total, void *user);

/* SDXL's size conditioning, in pixels (other families ignore it). Zero fields take diffusers'
 * defaults: original and target size = the image's, crop corner (0, 0). */
typedef struct pixeen_size_conditioning {
    int original_width, original_height;
    int crop_x, crop_y;          /* the crop's left and top */
    int target_width, target_height;
    uint32_t reserved[8];        /* must be zero */
} pixeen_size_conditioning;

/* ---- pictures: init images and masks for img2img and inpainting ------------------------- */
/* A picture the application gives Pixeen, decoded into locked memory (like a pixeen_secret: wiped
 * when destroyed). From a file: PNG, JPEG, BMP or TGA, or an age-encrypted one (recognised by its
 * header, binary or armored), decrypted in locked memory so the plaintext never reaches the disk.
 * Or from RGBA8 pixels the application holds. Sizes up to 8192 a side are accepted; the size is
 * read from the header and checked before anything is decoded. Errors name the file and what was
 * wrong: PIXEEN_ERROR_FORMAT for corrupt or truncated data, PIXEEN_ERROR_DECRYPT for an age file
 * that does not open, PIXEEN_ERROR_INVALID_ARGUMENT for sizes over the limit. Thread-safe (no
 * context). */
typedef struct pixeen_picture pixeen_picture;
struct pixeen_open_desc;

typedef struct pixeen_picture_desc {
    const char *path;                    /* a picture file (or an age file holding one); or NULL and: */
    const uint8_t *rgba;                 /* RGBA8 pixels, rows top to bottom (alpha ignored for images),
                                            copied into locked memory; or NULL and `buffer`: */
    int width, height;                   /* of rgba or buffer */
    size_t stride;                       /* bytes from one row to the next (rgba or buffer); default 0:
                                            width * 4; a multiple of 4 for a buffer */
    const struct pixeen_open_desc *open; /* decrypting an age file; default NULL: the default identity */
    /* An application's VkBuffer on the device it shares with `context` (these were reserved
     * words): zero copy in, as pixeen_image_get_vulkan_buffer is zero copy out. The pixels stay
     * there: pixeen_generate resizes and converts them on the GPU (an inpainting mask given this
     * way is the one exception: its 0/1 floats, one per pixel, are read back into locked memory,
     * as the host's masks are). Pixeen only reads the buffer, during each pixeen_generate that
     * uses the picture, on the queue the application gave: the application keeps it alive and
     * unchanged until the picture is destroyed, has finished (or ordered before Pixeen's use, with
     * a barrier for compute-shader reads) its writes to it, and created it with
     * VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, exclusive to that queue's family. */
    uint64_t buffer;                     /* VkBuffer as an integer ((uint64_t)(uintptr_t)vkbuf, or the
                                            handle itself on 32-bit); default 0: none */
    uint64_t offset;                     /* bytes to the first pixel; a multiple of 4 */
    uint64_t size;                       /* bytes from offset that hold the picture: at least
                                            stride * (height - 1) + width * 4 */
    pixeen_context *context;             /* required with buffer: a context created on the
                                            application's device (pixeen_context_desc.vulkan) */
    uint32_t reserved[16 - 6 - sizeof(void *) / 4]; /* must be zero (8 words on 64-bit) */
} pixeen_picture_desc;

PIXEEN_API pixeen_status pixeen_picture_load(const pixeen_picture_desc *desc, pixeen_picture **out);
/* The picture's size in pixels. */
PIXEEN_API pixeen_status pixeen_picture_get_size(const pixeen_picture *picture, int *width, int *height);
/* Wipes and frees; NULL is a no-op. */
PIXEEN_API void pixeen_picture_destroy(pixeen_picture *picture);

/* A LoRA for pixeen_generate_desc.loras: AUTOMATIC1111/kohya or diffusers/PEFT .safetensors
 * (linear, 1x1 and LoCon 3x3 convolution modules). Merged into the GPU weights for the generation
 * (W += weight * alpha / rank * up @ down); the next generation without it gets the original
 * weights back exactly, without reloading the model. Modules naming no layer of the model are
 * skipped with a warning; a module whose shape does not fit its layer is PIXEEN_ERROR_MODEL. */
typedef struct pixeen_lora {
    const char *path;       /* required: a .safetensors file (pickled .pt/.ckpt are refused) */
    float weight;           /* multiplier for the text encoder(s) and the UNet (0 is no change) */
    uint32_t reserved[5];   /* must be zero */
} pixeen_lora;

/* img2img and inpainting (pixeen_generate_desc.edit). */
typedef struct pixeen_edit_desc {
    const pixeen_picture *init_image; /* required: the picture to start from. The generation's
                                    width/height default to its size rounded down to a multiple
                                    of size_multiple; another size resizes it (Lanczos, as PIL) */
    const pixeen_picture *mask;  /* default NULL: img2img. Else inpainting: white (grey >= 50%)
                                    is repainted, black kept. Read as grey (RGB by luma as PIL's
                                    convert("L"), alpha ignored); its size must equal the init
                                    image's. Inpainting models (9 UNet input channels) need one */
    float strength;              /* 0 < s <= 1: the last int(steps * s) steps of the schedule run
                                    (diffusers' rule); default 0: 0.75 */
    uint32_t reserved[16];       /* must be zero */
} pixeen_edit_desc;

/* Tiled VAE (pixeen_decoders_desc.vae_tiling): the picture decoded (and, for an edit, encoded)
 * in overlapping tiles blended together, so the VAE's activations stay within a budget at any
 * size. Tiles are not exact (GroupNorm and attention see one tile): within 2/255 of the untiled
 * image on the test models. */
typedef enum pixeen_vae_tiling {
    PIXEEN_VAE_TILING_AUTO = 0, /* tile when the untiled VAE's activations would exceed the budget
                                   or one of them a storage-buffer binding (maxStorageBufferRange) */
    PIXEEN_VAE_TILING_ON = 1,   /* tile whenever the picture is larger than one tile */
    PIXEEN_VAE_TILING_OFF = 2,
} pixeen_vae_tiling;

/* Other decoders (pixeen_generate_desc.decoders): TAESDs, models loaded from a TAESD folder on the
 * same context, and the VAE's tiling. */
typedef struct pixeen_decoders_desc {
    const pixeen_model *decoder;         /* default NULL: the model's VAE decodes the image; a
                                            TAESD instead: fast drafts */
    const pixeen_model *preview_decoder; /* default NULL: previews by the linear latent->RGB map at
                                            latent size; a TAESD: full-colour previews at the
                                            image's size (one TAESD decode per preview) */
    /* These three were reserved words (zero keeps the old behaviour, auto): */
    pixeen_vae_tiling vae_tiling;        /* default: auto (a TAESD decoder is never tiled) */
    uint32_t vae_tile_size;              /* default 0: the VAE config's sample_size (SD 1.5 512, SDXL
                                            1024 px), as diffusers; else pixels, a multiple of the
                                            VAE's factor, at least 8 latent pixels. Tiles overlap by
                                            a quarter */
    uint32_t vae_tiling_budget_mib;      /* default 0: 1024, or half the device's largest
                                            device-local heap if less: auto's activation budget */
    uint32_t reserved[16 - 3];           /* must be zero */
} pixeen_decoders_desc;

/* AUTOMATIC1111's hires fix (pixeen_generate_more.hires): generate at the request's size, upscale,
 * then img2img at the larger size from there, seeded with the same seed, all on the GPU. */
typedef enum pixeen_hires_upscaler {
    PIXEEN_HIRES_UPSCALER_DEFAULT = 0,        /* "Latent", A1111's default */
    PIXEEN_HIRES_UPSCALER_LATENT = 1,         /* "Latent": the latents interpolated bilinearly
                                                 (torch's interpolate, no antialias); no decode */
    PIXEEN_HIRES_UPSCALER_LATENT_NEAREST = 2, /* "Latent (nearest)" */
    PIXEEN_HIRES_UPSCALER_LANCZOS = 3,        /* "Lanczos": the first image decoded (RGBA8, as it
                                                 would be saved), resized with PIL's Lanczos on the
                                                 GPU, and encoded again by the VAE */
} pixeen_hires_upscaler;

typedef struct pixeen_hires_desc {
    float scale;                   /* default 0: 2; the second size is int(width * scale) x
                                      int(height * scale) (used when width and height are 0) */
    int width, height;             /* default 0: from scale. One given: the other keeps the aspect;
                                      both: the upscale keeps the aspect and the excess is cut
                                      from both sides (A1111's hr_resize_x / _y) */
    int steps;                     /* default 0: the request's steps; the second pass runs exactly
                                      this many: the last `steps` of a schedule of
                                      int(steps / min(strength, 0.999)) steps (A1111's rule) */
    float strength;                /* default 0: 0.7 (A1111's "Denoising strength"); 0 < s <= 1 */
    pixeen_hires_upscaler upscaler; /* default: "Latent" */
    uint32_t reserved[16];         /* must be zero */
} pixeen_hires_desc;

/* Where pixeen_generate_desc grows now that its own reserved words are taken: every field here
 * was added after 0.1's first release; zero (or more = NULL) keeps the behaviour from before. */
typedef struct pixeen_generate_more {
    const pixeen_hires_desc *hires; /* default NULL: no hires fix. Not with `edit`; each side of
                                       the second size is rounded down to the model's
                                       size_multiple and must stay within 8..4096. Progress and
                                       previews count the steps of both passes (previews change
                                       size with the second); the image has the second size, and
                                       `decoders.decoder` decodes both passes' images */
    uint32_t reserved[16];          /* must be zero */
} pixeen_generate_more;

typedef struct pixeen_generate_desc {
    const char *prompt;          /* required; AUTOMATIC1111 syntax: emphasis (word:1.2) [word], LoRA tags
                                    <lora:NAME:WEIGHT> (removed before tokenizing), embedding names */
    const char *negative_prompt; /* default NULL: "" (SDXL: zero embeddings, as diffusers) */
    int width, height;           /* default 0: the model's size; multiples of pixeen_model_info.size_multiple */
    int steps;                   /* default 0: 20 */
    float guidance;              /* default 0: 7.5; 1.0 runs a single UNet pass per step */
    int64_t seed;                /* default 0; -1: random (the seed used is in pixeen_image_info).
                                    Seeds are unsigned 64-bit, as torch's (0..2^64-1): one above
                                    2^63-1 is passed as (int64_t)seed, a negative value here */
    pixeen_sampler sampler;      /* default: Euler a */
    pixeen_schedule schedule;    /* default: the model's */
    int clip_skip;               /* default 0: 1 (the last layer); 2 = AUTOMATIC1111's "clip skip 2" */
    int batch;                   /* default 0: 1 image */
    pixeen_rng rng;              /* default: torch CPU */
    pixeen_progress_fn progress; /* default NULL */
    void *progress_user;
    pixeen_preview_fn preview;   /* default NULL: no previews (and no extra GPU work or readback) */
    void *preview_user;
    int preview_every;           /* default 0: 1, a preview after every step; else every N steps
                                    (the last step always gets one) */
    /* LoRAs and embeddings (these four fields were reserved words: zero keeps the old behaviour). */
    int lora_count;              /* default 0: entries in `loras` */
    const pixeen_lora *loras;    /* default NULL: LoRAs merged for this generation, in addition to
                                    the <lora:NAME:WEIGHT> tags in the prompt and negative prompt */
    const char *lora_dir;        /* default NULL: $XDG_DATA_HOME/pixeen/loras (else ~/.local/share/...):
                                    where <lora:NAME:...> finds NAME.safetensors (sub-folders too) */
    const char *embedding_dir;   /* default NULL: $XDG_DATA_HOME/pixeen/embeddings: textual-inversion
                                    embeddings, used where their file name appears in a prompt */
    /* SDXL's size conditioning (was reserved words: NULL keeps diffusers' defaults). */
    const pixeen_size_conditioning *size_conditioning; /* default NULL: SDXL's sizes as diffusers */
    /* Editing and decoders (reserved words too; each points at a descriptor of its own, with its own
     * reserved words, so they can grow). */
    const struct pixeen_edit_desc *edit;        /* default NULL: text to image (see pixeen_edit_desc) */
    const struct pixeen_decoders_desc *decoders; /* default NULL: the model's VAE, linear previews */
    uint32_t seed_unsigned;      /* default 0: seed -1 asks for a random seed. 1: seed is always the
                                    seed itself, so -1 is the seed 2^64-1 (torch's largest); this
                                    field was a reserved word too */
    uint32_t reserved[16 - 2 - 7 * (sizeof(void *) / 4) + sizeof(void *) / 8]; /* must be zero (1 word on
                                    64-bit, where `more` is 8-aligned after it; 7 on 32-bit) */
    const struct pixeen_generate_more *more; /* default NULL: nothing more (see pixeen_generate_more);
                                    this pointer took the last reserved words */
} pixeen_generate_desc;

/* Generates images on the GPU. Every argument is checked before any GPU work (sizes 8..4096 in
 * multiples of pixeen_model_info.size_multiple, steps 1..1000, finite guidance 0..100, batch
 * 1..64, seed_unsigned 0 or 1, known enums, zero reserved words): PIXEEN_ERROR_INVALID_ARGUMENT with the
 * reason (PIXEEN_ERROR_UNSUPPORTED for a reserved word). PIXEEN_ERROR_BUSY if another generate
 * runs on the same context (its message is then in the calling thread's pixeen_last_error(): the
 * context's belongs to the running call); PIXEEN_ERROR_CANCELLED after pixeen_context_cancel (the context stays
 * usable). On failure *out is NULL. The caller destroys *out. */
PIXEEN_API pixeen_status pixeen_generate(pixeen_model *model, const pixeen_generate_desc *desc, pixeen_image **out);

/* ---- probing one network (for people who check conversions) ---- */

typedef enum pixeen_component {
    PIXEEN_COMPONENT_TEXT_ENCODER = 0, /* inputs[0]: token ids [B, 77] (int32 or int64) -> [B, 77, D] */
    PIXEEN_COMPONENT_UNET = 1,         /* inputs: sample [B, 4, h, w], timestep [B] or [1], context [B, T, D]
                                          -> model output [B, 4, h, w] */
    PIXEEN_COMPONENT_VAE_DECODER = 2,  /* inputs[0]: latents [B, 4, h, w], not scaled -> [B, 3, H, W] */
    PIXEEN_COMPONENT_VAE_ENCODER = 3,  /* inputs[0]: image [B, 3, H, W] in [-1, 1] -> the latent
                                          distribution's mean and log-variance [B, 8, h, w] */
    PIXEEN_COMPONENT_TEXT_ENCODER_2 = 4, /* SDXL's second text encoder (OpenCLIP bigG), as TEXT_ENCODER */
    /* A model loaded from a TAESD folder (diffusers AutoencoderTiny) has these two only: */
    PIXEEN_COMPONENT_TAESD_DECODER = 5, /* inputs[0]: latents [B, 4, h, w] as the UNet makes them
                                           -> [B, 3, H, W] in about [-1, 1] */
    PIXEEN_COMPONENT_TAESD_ENCODER = 6, /* inputs[0]: image [B, 3, H, W] in [-1, 1] -> [B, 4, h, w] */
} pixeen_component;

typedef struct pixeen_probe_desc {
    pixeen_component component;
    const char *inputs[3]; /* .npy files (float32 or float16; ids int32/int64), NCHW like PyTorch */
    const char *output;    /* required: the .npy written (float32), replaced if it exists */
    int clip_skip;         /* text encoder: default 0 = 1 (the last layer; final layer norm applied) */
    /* Grown from reserved words (zero keeps the behaviour from before them): */
    int pooled;               /* text encoders: 1 writes the pooled output [B, P] (the end token's state
                                 after the final norm, through text_projection where the encoder has one:
                                 SDXL's text_embeds) instead of the hidden states */
    const char *text_embeds;  /* UNet with added inputs (SDXL): pooled text [B, P] .npy; required there */
    const char *time_ids;     /* UNet with added inputs (SDXL): [B, 6] .npy (original h, w, crop top,
                                 left, target h, w); required there */
    uint32_t reserved[11];    /* must be zero */
} pixeen_probe_desc;

/* Runs one network of a loaded model on inputs read from .npy files and writes its output as
 * .npy, so its numbers can be compared with a Python stack's. The output file is an explicit
 * export: it is written in plaintext where the user asked. PIXEEN_ERROR_FORMAT names a malformed
 * input file; PIXEEN_ERROR_INVALID_ARGUMENT a shape that does not fit the network. */
PIXEEN_API pixeen_status pixeen_probe(pixeen_model *model, const pixeen_probe_desc *desc);

typedef struct pixeen_image_info {
    int width, height, count; /* count: the batch size */
    int64_t seed;             /* the seed actually used (read it as uint64_t: see the request's) */
    uint32_t reserved[8];     /* written as zero; later versions report more here */
} pixeen_image_info;
/* The image's size, batch count and seed. */
PIXEEN_API pixeen_status pixeen_image_get_info(const pixeen_image *image, pixeen_image_info *out);
/* Copies image `index` of the batch into `rgba` (width*height*4 bytes, rows top to bottom);
 * PIXEEN_ERROR_INVALID_ARGUMENT if `size` is smaller or `index` is out of range. */
PIXEEN_API pixeen_status pixeen_image_read(pixeen_image *image, int index, uint8_t *rgba, size_t size);
/* Where image `index`'s pixels are on the GPU, for an application that shared its device
 * (pixeen_context_desc.vulkan): *buffer is a VkBuffer (cast with (VkBuffer)(uintptr_t) or
 * (VkBuffer) on 32-bit), and width*height*4 bytes of packed RGBA8 (rows top to bottom) start at
 * *offset; *size is that byte count. The buffer was created with STORAGE, UNIFORM/STORAGE_TEXEL
 * and TRANSFER_SRC/DST usage, VK_SHARING_MODE_EXCLUSIVE, owned by the queue family the
 * application gave. The pixels are complete when pixeen_generate returns (its submission has
 * finished), but the application must still record a buffer memory barrier (source stage
 * COMPUTE_SHADER, access SHADER_WRITE) before reading them on its own queue, and a queue family
 * ownership transfer to use them on another family. Read-only for the application, and valid
 * until pixeen_image_destroy (which must wait until the application's GPU work that reads it has
 * finished). PIXEEN_ERROR_UNSUPPORTED when the context created its own device (use
 * pixeen_image_read instead). */
PIXEEN_API pixeen_status pixeen_image_get_vulkan_buffer(const pixeen_image *image, int index, uint64_t *buffer,
                                                        uint64_t *offset, uint64_t *size);
/* Clears the image's GPU memory and frees it. NULL is a no-op. */
PIXEEN_API void pixeen_image_destroy(pixeen_image *image);

/* ---- models and prompts (reading checkpoints, tokenizing; no GPU) ------------------------- */

/* Prints what the model at `path` is, without touching the GPU: its layout (a diffusers folder,
 * a single file in the original layout or in diffusers names), the detected family (SD 1.x, SD 2.x, SDXL,
 * inpainting), each network with its parameter count, stored dtypes and configuration, unused
 * stored tensors, the tokenizer found, and the files' metadata. Reads only the headers (well
 * under a second for any size). Fails with PIXEEN_ERROR_FORMAT or PIXEEN_ERROR_MODEL naming the
 * file and tensor when the model is malformed or incomplete. */
PIXEEN_API pixeen_status pixeen_model_inspect(const char *path, FILE *out);

/* Writes the checkpoint at `path` (a single .safetensors or .gguf, or a diffusers folder) as a GGUF
 * file at `out_path` with its weights quantized to `type` ("q8_0", "q5_1", "q5_0", "q4_1", "q4_0",
 * "q6_K", "q5_K", "q4_K", or "f16"/"f32"), by stable-diffusion.cpp's conventions (a single file's
 * names as stored; a diffusers folder's weights in diffusers names under its converter's prefixes
 * unet., vae., te., te.1.; biases, embeddings, time embeddings and tensors whose rows are not whole
 * blocks keep their stored type), so the file loads in both programs. Written atomically
 * (temporary file, fsync, rename); `log` (may be NULL) receives a one-line summary. No GPU.
 * PIXEEN_ERROR_INVALID_ARGUMENT for an unknown type, the model's errors otherwise. */
PIXEEN_API pixeen_status pixeen_model_quantize(const char *path, const char *out_path, const char *type, FILE *log);

/* pixeen_tokenize_print's options; {0} means: no model, tokenizer from the data folder. */
typedef struct pixeen_tokenize_desc {
    const char *model_path;    /* default NULL; a model whose tokenizer to use */
    const char *tokenizer_dir; /* default NULL; a folder with vocab.json + merges.txt (wins) */
    int plain;                 /* default 0: AUTOMATIC1111 emphasis syntax; 1: text taken literally */
    uint32_t reserved[16];     /* must be zero */
} pixeen_tokenize_desc;

/* Tokenizes `prompt` with the CLIP tokenizer (where it is looked for: --tokenizer DIR, the
 * model's tokenizer/ or a diffusers folder beside a single file, then
 * $XDG_DATA_HOME/pixeen/tokenizers/clip/) and prints the token count, the BPE pieces (with their
 * weights where not 1) and one line of 77 ids per chunk. Fails with PIXEEN_ERROR_TOKENIZER
 * saying exactly which files to provide when no tokenizer is found, and with
 * PIXEEN_ERROR_INVALID_ARGUMENT for a prompt that is not UTF-8. */
PIXEEN_API pixeen_status pixeen_tokenize_print(const pixeen_tokenize_desc *desc, const char *prompt, FILE *out);

/* ---- vault: age encryption, keys, PNG with parameters, history ---------------------------- */
/* Saved images are age v1 files (https://age-encryption.org/v1), readable by the `age` tool:
 * encrypted to X25519 recipients ("age1...") or to a passphrase (scrypt). Identities
 * ("AGE-SECRET-KEY-1...") live in age-keygen-format files; the default one is
 * $XDG_CONFIG_HOME/pixeen/identity.txt (else ~/.config/pixeen/identity.txt). Plaintext,
 * passphrases and keys are held in pixeen_secret buffers: locked memory, wiped when destroyed.
 * Decryption is all or nothing: no byte is released before the whole file authenticated, and
 * every failure (wrong key, tampered, truncated, not age) is PIXEEN_ERROR_DECRYPT with one fixed
 * message. Files are written atomically (temporary file, fsync, rename) with mode 0600, and an
 * existing file is replaced only with `force`. */

/* Bytes for a recipient string "age1..." with its NUL (62 + 1). */
#define PIXEEN_RECIPIENT_SIZE 63
/* Bytes for a history id ("20261130T054000Z-0a1b2c3d") with its NUL. */
#define PIXEEN_HISTORY_ID_SIZE 32

/* A byte buffer in locked, guarded memory, wiped on destroy. Text secrets are NUL-terminated
 * (the NUL is not counted in the size). */
typedef struct pixeen_secret pixeen_secret;
/* The secret's bytes (NULL for a NULL secret); valid until pixeen_secret_destroy. */
PIXEEN_API const uint8_t *pixeen_secret_data(const pixeen_secret *secret);
/* The number of bytes (0 for a NULL secret), not counting a text secret's NUL. */
PIXEEN_API size_t pixeen_secret_size(const pixeen_secret *secret);
/* Wipes and frees; NULL is a no-op. */
PIXEEN_API void pixeen_secret_destroy(pixeen_secret *secret);

/* Whom to encrypt to. Recipients (strings, a file, or both) or a passphrase, not both. */
typedef struct pixeen_seal_desc {
    const char *const *recipients;   /* "age1..." strings; default none */
    size_t recipient_count;          /* default 0 */
    const char *recipients_file;     /* one "age1..." per line, '#' comments; default NULL */
    const pixeen_secret *passphrase; /* default NULL (use recipients) */
    int scrypt_log_n;                /* passphrase work factor log2(N); default 0 = 18, as age */
    int armor;                       /* default 0 = binary; 1 = ASCII armor */
    int force;                       /* default 0 = refuse to replace an existing file */
    uint32_t reserved[16];           /* must be zero */
} pixeen_seal_desc;

/* Encrypts `size` bytes at `data` (e.g. PNG bytes) as an age file and writes it atomically to
 * `path`. PIXEEN_ERROR_KEY for a malformed recipient, PIXEEN_ERROR_EXISTS if `path` exists and
 * !desc->force, PIXEEN_ERROR_IO if writing fails (then no file, partial or temporary, remains). */
PIXEEN_API pixeen_status pixeen_vault_seal_file(const pixeen_seal_desc *desc, const void *data, size_t size,
                                                const char *path);

/* How to decrypt. */
typedef struct pixeen_open_desc {
    const char *identity_file;       /* default NULL = the default identity (unless a passphrase is given) */
    const pixeen_secret *passphrase; /* default NULL */
    uint32_t reserved[16];           /* must be zero */
} pixeen_open_desc;

/* Decrypts the age file (binary or armored) at `path` into *plaintext (the caller destroys it).
 * PIXEEN_ERROR_DECRYPT for every way decryption can fail; PIXEEN_ERROR_IO / _KEY for an
 * unreadable file or identity. */
PIXEEN_API pixeen_status pixeen_vault_open_file(const pixeen_open_desc *desc, const char *path,
                                                pixeen_secret **plaintext);

/* Sets *uses to 1 if the age file at `path` is encrypted to a passphrase (its header has one
 * scrypt stanza), else 0 (also for a file that is not age: opening it will say so). Reads only
 * the unauthenticated header, so it is a hint for choosing how to ask, never a verdict. */
PIXEEN_API pixeen_status pixeen_vault_file_uses_passphrase(const char *path, int *uses);

/* pixeen_vault_open_file and pixeen_vault_file_uses_passphrase for an age file already in memory
 * (read once with pixeen_file_read from a pipe, say, which cannot be read twice). */
PIXEEN_API pixeen_status pixeen_vault_open(const pixeen_open_desc *desc, const void *data, size_t size,
                                           pixeen_secret **plaintext);
PIXEEN_API pixeen_status pixeen_vault_uses_passphrase(const void *data, size_t size, int *uses);

/* Writes `size` bytes to `path` atomically, mode 0600 (an explicit plaintext export), through a
 * hidden temporary `.pixeen-tmp-XXXXXX` beside it, which is removed on any failure (and by
 * pixeen_saves_abort); leftovers of killed processes in that folder are removed first, each
 * reported as a warning. PIXEEN_ERROR_EXISTS if it exists and !force, or if it is anything but a
 * regular file (a device, folder, FIFO, socket or symbolic link is never replaced). */
PIXEEN_API pixeen_status pixeen_file_write_atomic(const char *path, const void *data, size_t size, int force);

/* Reads a whole file, or a pipe (`<(...)`, /dev/stdin), of at most `max` bytes (0: 256 MiB, the
 * largest age file Pixeen opens) into *contents (the caller destroys it). For ciphertext and other
 * files that are not secret (the bytes pass through ordinary memory first). A FIFO
 * without a writer, a folder, a device or a socket is refused at once with PIXEEN_ERROR_IO naming
 * what it is, never waited on; so is a longer input. */
PIXEEN_API pixeen_status pixeen_file_read(const char *path, size_t max, pixeen_secret **contents);

/* Reads a passphrase: the first line of `file` if non-NULL, else from the terminal without echo,
 * showing `prompt` (NULL: "Passphrase: ") and asking twice when `confirm`. */
PIXEEN_API pixeen_status pixeen_passphrase_read(const char *file, const char *prompt, int confirm,
                                                pixeen_secret **passphrase);

/* The default identity path into buf: $XDG_CONFIG_HOME/pixeen/identity.txt, else
 * $HOME/.config/pixeen/identity.txt. PIXEEN_ERROR_INVALID_ARGUMENT if it does not fit. */
PIXEEN_API pixeen_status pixeen_identity_default_path(char *buf, size_t size);

/* Generates a new X25519 identity and writes it to `path` (NULL: the default path, creating its
 * folder with mode 0700) in age-keygen's format ("# created:", "# public key:" comments), mode
 * 0600, never replacing an existing file (PIXEEN_ERROR_EXISTS). Its recipient goes to `recipient`. */
PIXEEN_API pixeen_status pixeen_identity_generate(const char *path, char recipient[PIXEEN_RECIPIENT_SIZE]);

/* The recipient ("age1...") of the first identity in `identity_file` (NULL: the default). */
PIXEEN_API pixeen_status pixeen_identity_recipient(const char *identity_file, char recipient[PIXEEN_RECIPIENT_SIZE]);

/* What produced an image, written into the PNG the way AUTOMATIC1111 does. */
typedef struct pixeen_generation_params {
    const char *prompt;          /* required */
    const char *negative_prompt; /* default NULL or "": the line is left out */
    int steps;                   /* e.g. 20 */
    const char *sampler;         /* A1111 sampler name, e.g. "Euler a"; default NULL: left out */
    float cfg_scale;             /* e.g. 7.5 */
    uint64_t seed;
    int width, height;
    const char *model_hash;      /* default NULL: left out */
    const char *model_name;      /* default NULL: left out */
    float denoising_strength;    /* img2img and the hires fix; default 0: left out */
    /* The hires fix, in AUTOMATIC1111's keys (these were reserved words: zero leaves them out).
     * `width`/`height` above are then the first pass's size, as A1111 writes them. */
    float hires_scale;           /* "Hires upscale: 2" (when no hires resize is given) */
    int hires_resize_width, hires_resize_height; /* "Hires resize: WxH" (0 for a side taken from the other) */
    int hires_steps;             /* "Hires steps: N"; 0: left out (A1111: the same as Steps) */
    pixeen_hires_upscaler hires_upscaler; /* "Hires upscaler: Latent" ("Latent (nearest)",
                                    "Lanczos"), written when hires_scale or a resize is given */
    uint32_t reserved[11];       /* must be zero */
} pixeen_generation_params;

/* The A1111 "parameters" text for `params`, as a NUL-terminated secret (it holds the prompt):
 * "PROMPT\nNegative prompt: NEG\nSteps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 1,
 * Size: 512x512, Model hash: abcd1234, Model: name[, Denoising strength: 0.7][, Hires upscale: 2,
 * Hires steps: 10, Hires upscaler: Latent]". */
PIXEEN_API pixeen_status pixeen_params_format(const pixeen_generation_params *params, pixeen_secret **text);

/* Encodes width*height RGB8 pixels (rows top to bottom) as PNG bytes carrying `parameters`
 * (NULL: none) in a text chunk after IHDR, into a new secret. */
PIXEEN_API pixeen_status pixeen_png_encode(const uint8_t *rgb, int width, int height, const char *parameters,
                                           pixeen_secret **png);

/* Extracts the "parameters" text chunk from PNG bytes. PIXEEN_ERROR_FORMAT if malformed or absent. */
PIXEEN_API pixeen_status pixeen_png_read_parameters(const void *png, size_t size, pixeen_secret **parameters);

/* History (opt-in): each saved generation as its own age file under
 * $XDG_DATA_HOME/pixeen/history (else ~/.local/share/pixeen/history), encrypted to one recipient.
 * Ids are "YYYYMMDDTHHMMSSZ-xxxxxxxx" (UTC time and 32 random bits), sorted by time. */

/* The history folder path into buf. */
PIXEEN_API pixeen_status pixeen_history_dir(char *buf, size_t size);

/* Adds PNG bytes to the history, encrypted to `recipient` (NULL: the default identity's). The new
 * id goes to `id` when non-NULL. */
PIXEEN_API pixeen_status pixeen_history_add(const void *png, size_t size, const char *recipient,
                                            char id[PIXEEN_HISTORY_ID_SIZE]);

/* Called per entry, oldest first, with its parameters text (NULL when the entry cannot be
 * decrypted with the identity given or carries none). Return nonzero to stop. */
typedef int (*pixeen_history_fn)(const char *id, const char *parameters, void *user);

/* Decrypts every entry with `identity_file` (NULL: default) and reports its parameters only.
 * An entry that is not a regular file (a folder, a symbolic link) or cannot be read is skipped and
 * reported as a warning; one that does not decrypt (damaged, truncated, another key) is reported
 * and passed to `fn` with NULL parameters. The others are all listed. */
PIXEEN_API pixeen_status pixeen_history_list(const char *identity_file, pixeen_history_fn fn, void *user);

/* Exports entry `id` (NULL: all) into folder `dir` as decrypted ID.png files, or, when `reseal`
 * is non-NULL, re-encrypted as ID.png.age to reseal's recipients. Never replaces files unless
 * reseal->force (plaintext exports never replace). With id NULL an entry that fails is reported
 * as a warning and the rest are exported; the status is then the first failure's, with a message
 * counting them. */
PIXEEN_API pixeen_status pixeen_history_export(const char *identity_file, const char *id, const char *dir,
                                               const pixeen_seal_desc *reseal);

/* Deletes one entry (its file is overwritten with zeros, flushed, then unlinked; see the README
 * on what this does and does not guarantee). Nothing is ever written through a link: a symbolic
 * link, a file with other hard links or anything not a regular file only loses its name.
 * PIXEEN_ERROR_INVALID_ARGUMENT for an unknown id. */
PIXEEN_API pixeen_status pixeen_history_delete(const char *id);

/* Deletes every entry as pixeen_history_delete does, and the temporaries that killed saves left
 * in the history folder. An entry that cannot be deleted (a folder that is not empty) is reported
 * as a warning and the rest are deleted; the status is then the first failure's. */
PIXEEN_API pixeen_status pixeen_history_purge(void);

/* ---- the process (opt-in; POSIX) -------------------------------------------------------------
 * Settings of the whole process are the application's to choose, so the library makes none on its
 * own: an editor or a game embedding Pixeen may want core dumps, a debugger attached, or its own
 * signal handlers. A program whose purpose is generating privately (the pixeen CLI) calls
 * pixeen_process_protect first thing; an application with its own handlers calls
 * pixeen_saves_abort from them. */

/* No core dumps (RLIMIT_CORE 0, soft and hard) and not dumpable (Linux PR_SET_DUMPABLE 0: no core
 * even through a core_pattern pipe, and no ptrace or /proc/PID/mem reading by other processes of
 * the same user), so a crash or SIGQUIT writes no prompt, image or key to disk. With
 * `handle_signals`, also handlers for SIGINT, SIGTERM, SIGHUP and SIGQUIT (only for those still
 * at their default disposition) that call pixeen_saves_abort and then end the process by the
 * same signal, as it would have ended without them. PIXEEN_ERROR_IO naming a setting that could
 * not be made (the others are made). */
PIXEEN_API pixeen_status pixeen_process_protect(int handle_signals);

/* Async-signal-safe: unlinks the temporary files of the saves this process has in progress
 * (pixeen_file_write_atomic, pixeen_image_save, pixeen_vault_seal_file, the history), which a
 * signal would otherwise leave beside their targets: a plaintext PNG for a plaintext export.
 * The targets stay complete or untouched. Also gives the terminal its echo back when
 * pixeen_passphrase_read is waiting at a prompt (Ctrl-C there would leave the shell without echo).
 * Only for a handler that is about to end the process. */
PIXEEN_API void pixeen_saves_abort(void);

/* ---- saving generated images ------------------------------------------------------------- */

typedef struct pixeen_image_save_desc {
    const char *path;                       /* where to write; NULL: only the history (see below) */
    const pixeen_seal_desc *seal;           /* default NULL: a plaintext PNG (an explicit export);
                                               else an age file encrypted as this describes */
    const pixeen_generation_params *params; /* default NULL: no "parameters" text chunk */
    int force;                              /* default 0: refuse to replace an existing plaintext file
                                               (an encrypted one follows seal->force) */
    int history;                            /* default 0; 1: also add the image to the encrypted
                                               history (to the default identity's recipient) */
    uint32_t reserved[16];                  /* must be zero */
} pixeen_image_save_desc;

/* Reads image `index` of the batch from the GPU into locked memory, encodes it as PNG (with the
 * parameters chunk), encrypts it unless desc->seal is NULL, and writes it atomically (temporary
 * file, fsync, rename; nothing is left behind on failure). The pixels, the PNG and the parameters
 * text are wiped from memory afterwards. */
PIXEEN_API pixeen_status pixeen_image_save(pixeen_image *image, int index, const pixeen_image_save_desc *desc);

/* ---- bench ------------------------------------------------------------------------------- */

/* What `pixeen bench` runs. {0} means: every case, adaptive timing, table on stdout, no JSON. */
typedef struct pixeen_bench_desc {
    const char *device;    /* index or name substring; NULL: $PIXEEN_DEVICE, else automatic */
    const char *filter;    /* run only cases whose family or name contains it; NULL: all */
    const char *json_path; /* also write the results there as JSON (atomically); NULL: none */
    int quick;             /* non-zero: the ~20-second pass (ceilings and a few cases); 0: full */
    int repeat;            /* timed runs per case; 0: adaptive (~0.5 s per case) */
    int list;              /* non-zero: print the cases that would run and return (no GPU) */
    double time_limit_s;   /* bound on the whole run: cases that would end past it are skipped
                              (listed, not failed); 0: 150 s (25 s with quick); < 0: none */
    FILE *out;             /* the table and progress; NULL: stdout */
    uint32_t reserved[16]; /* must be zero (room for later fields without an ABI break) */
} pixeen_bench_desc;

/* Measures the device's own ceilings (fp32 and fp16 FMA throughput, copy bandwidth), then
 * validates every benchmark case against its plain-C reference and times it with GPU timestamps,
 * printing per case the time, GFLOP/s or GB/s and the share of the ceiling, and per operator
 * family a summary. On a slow device (a CPU driver) the time limit skips the cases that would
 * not fit; a skipped case is reported but is not an error. Returns PIXEEN_OK when every case passed; PIXEEN_ERROR_VALIDATION when some
 * case failed validation or could not run (the others are still timed and written);
 * PIXEEN_ERROR_INVALID_ARGUMENT for a bad descriptor or a filter that matches no case;
 * PIXEEN_ERROR_UNSUPPORTED when a reserved word is set (a program built against a newer header);
 * PIXEEN_ERROR_IO when the JSON file cannot be written; PIXEEN_ERROR_NO_DEVICE and other GPU
 * errors as the run meets them. Details in pixeen_last_error(). Takes minutes on a CPU driver. */
PIXEEN_API pixeen_status pixeen_bench_run(const pixeen_bench_desc *desc);

/* Reads two JSON files written by pixeen_bench_run and prints them side by side to `out`
 * (NULL: stdout): devices, ceilings, and per case present in both the times, throughput and the
 * ratio B/A; cases found in only one file are listed too. The files are validated field by field:
 * PIXEEN_ERROR_FORMAT (with the file and field in pixeen_last_error()) when one is malformed,
 * PIXEEN_ERROR_IO when one cannot be read. Needs no GPU. */
PIXEEN_API pixeen_status pixeen_bench_compare(const char *path_a, const char *path_b, FILE *out);

/* What `pixeen bench --pipeline` runs: 256 and 512 px, 3 timed runs per piece, table on stdout. */
typedef struct pixeen_bench_pipeline_desc {
    const char *model;     /* required: a model as pixeen_model_load takes it (for real figures the
                              full-size test model from `make_test_model --config sd15`) */
    const char *device;    /* as pixeen_bench_desc */
    const char *json_path; /* also write the results as JSON (pixeen_bench_compare reads it) */
    int quick;             /* non-zero: 64 px, 1 timed run: a check that every piece runs */
    int repeat;            /* timed runs per piece; 0: 3 (1 with quick) */
    pixeen_precision precision; /* activations; default fp16 */
    FILE *out;             /* NULL: stdout */
    const char *filter;    /* only the pieces whose name contains it ("unet step b2 512x512",
                              "vae decode b1 256x256", "text encoder b2"); NULL: all */
    uint32_t reserved[16]; /* must be zero */
} pixeen_bench_pipeline_desc;

/* Times the pieces of a generation on the model's real graphs, each recorded once and replayed as
 * a generation replays it: the text encoder(s) on 2 prompts (CFG), one UNet step at batch 2 (CFG)
 * and the VAE decode at batch 1, per image size, with the per-operator breakdown of each piece
 * (GPU timestamps summed by operator label, as $PIXEEN_PROFILE=1 reports them). Every output is
 * checked finite after its untimed first run (which also compiles the pipelines). Results are
 * the same JSON as pixeen_bench_run's (family "pipeline" for the pieces, "pipeline.op" for the
 * breakdown), so pixeen_bench_compare puts two runs side by side. Returns PIXEEN_OK, or the
 * error that stopped it (a model that does not load, a non-finite output: PIXEEN_ERROR_VALIDATION). */
PIXEEN_API pixeen_status pixeen_bench_pipeline(const pixeen_bench_pipeline_desc *desc);

#ifdef __cplusplus
}
#endif
#endif /* PIXEEN_PIXEEN_H */
