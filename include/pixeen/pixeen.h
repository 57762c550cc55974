/* pixeen.h — the whole public API of Pixeen, an on-device image generator that runs Stable
 * Diffusion models as Vulkan compute shaders on any vendor's GPU.
 *
 * Usage (error handling shortened):
 *
 *     pixeen_context *ctx = NULL;
 *     pixeen_context_create(&(pixeen_context_desc){0}, &ctx);      // picks the best GPU
 *     pixeen_devices_print(ctx, stdout);                           // what it found
 *     ...
 *     pixeen_context_destroy(ctx);                                 // destroy(NULL) is a no-op
 *
 * Return convention: every function that can fail returns a pixeen_status; PIXEEN_OK (0) is
 * success and every error is negative. After an error, pixeen_context_last_error(ctx) holds one
 * sentence that says what failed and where (functions without a context leave it in
 * pixeen_last_error(), which is per thread).
 *
 * Thread safety: a context and everything created from it may be used from one thread at a time;
 * different contexts are independent. pixeen_status_string() and pixeen_version() may be called
 * from any thread at any time.
 *
 * Ownership: whoever creates an object destroys it with the matching _destroy function; objects
 * returned through an out-parameter belong to the caller. Strings passed in are copied before the
 * call returns. Vulkan objects an application hands in are borrowed, never destroyed.
 *
 * Descriptors: every *_desc struct may be zero-initialised ({0}) to mean "all defaults"; each
 * field's default is written beside it.
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

#if defined(PIXEEN_BUILDING_LIBRARY) && defined(__GNUC__)
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
 * ABI growth: every descriptor ends in reserved words that must be zero. A later minor version
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

/* Receives diagnostics (never prompts or keys). May be called from the thread that calls Pixeen. */
typedef void (*pixeen_log_fn)(pixeen_log_level level, const char *message, void *user);

typedef struct pixeen_context_desc {
    const char *device;  /* default NULL: $PIXEEN_DEVICE, else discrete > integrated > virtual > CPU */
    pixeen_log_fn log;   /* default NULL: warnings and errors to stderr */
    void *log_user;      /* passed to log */
    int validation;      /* default 0: Khronos validation layer only if $PIXEEN_VALIDATION=1 */
    uint32_t reserved[16]; /* must be zero */
} pixeen_context_desc;

/* Creates a context on the chosen device. PIXEEN_ERROR_NO_DEVICE (with how to install a driver)
 * when there is no Vulkan device. The caller destroys *out. */
PIXEEN_API pixeen_status pixeen_context_create(const pixeen_context_desc *desc, pixeen_context **out);
/* Waits for the GPU and frees everything the context owns; models and images must be destroyed
 * first. NULL is a no-op. */
PIXEEN_API void pixeen_context_destroy(pixeen_context *ctx);
/* The detailed message of the context's last failed call ("" if none). Valid until the next call
 * on the context. */
PIXEEN_API const char *pixeen_context_last_error(const pixeen_context *ctx);
/* The device's name (static for the context's lifetime). */
PIXEEN_API const char *pixeen_context_device_name(const pixeen_context *ctx);
/* Asks a running pixeen_generate on `ctx` to stop; it returns PIXEEN_ERROR_CANCELLED within one
 * step and leaves the context usable. Safe to call from any thread, at any time. */
PIXEEN_API void pixeen_context_cancel(pixeen_context *ctx);

typedef enum pixeen_precision {
    PIXEEN_PRECISION_DEFAULT = 0, /* fp16 activations (fp32 where the device lacks fp16) */
    PIXEEN_PRECISION_FP16 = 1,
    PIXEEN_PRECISION_FP32 = 2, /* for parity checks; twice the activation memory */
} pixeen_precision;

typedef struct pixeen_model_desc {
    const char *path;          /* required: a diffusers folder or a single-file .safetensors */
    const char *tokenizer_dir; /* default NULL: the model's tokenizer, else $XDG_DATA_HOME/pixeen/tokenizers/clip */
    pixeen_precision precision; /* default: fp16 */
    uint32_t reserved[16];     /* must be zero */
} pixeen_model_desc;

/* Reads the model (weights stream to the GPU in fp16 without being held in host memory).
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
} pixeen_model_info;
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

typedef struct pixeen_generate_desc {
    const char *prompt;          /* required; AUTOMATIC1111 emphasis syntax: (word:1.2), [word] */
    const char *negative_prompt; /* default NULL: "" */
    int width, height;           /* default 0: the model's size; multiples of pixeen_model_info.size_multiple */
    int steps;                   /* default 0: 20 */
    float guidance;              /* default 0: 7.5; 1.0 runs a single UNet pass per step */
    int64_t seed;                /* default 0; -1: random (the seed used is in pixeen_image_info) */
    pixeen_sampler sampler;      /* default: Euler a */
    pixeen_schedule schedule;    /* default: the model's */
    int clip_skip;               /* default 0: 1 (the last layer); 2 = AUTOMATIC1111's "clip skip 2" */
    int batch;                   /* default 0: 1 image */
    pixeen_rng rng;              /* default: torch CPU */
    pixeen_progress_fn progress; /* default NULL */
    void *progress_user;
    uint32_t reserved[16];       /* must be zero */
} pixeen_generate_desc;

/* Generates images on the GPU. Every argument is checked before any GPU work (sizes, steps,
 * NaN guidance, ...): PIXEEN_ERROR_INVALID_ARGUMENT with the reason. PIXEEN_ERROR_BUSY if another
 * generate runs on the same context, PIXEEN_ERROR_CANCELLED after pixeen_context_cancel. The
 * caller destroys *out. */
PIXEEN_API pixeen_status pixeen_generate(pixeen_model *model, const pixeen_generate_desc *desc, pixeen_image **out);

typedef struct pixeen_image_info {
    int width, height, count; /* count: the batch size */
    int64_t seed;             /* the seed actually used */
} pixeen_image_info;
PIXEEN_API pixeen_status pixeen_image_get_info(const pixeen_image *image, pixeen_image_info *out);
/* Copies image `index` of the batch into `rgba` (width*height*4 bytes, rows top to bottom). */
PIXEEN_API pixeen_status pixeen_image_read(pixeen_image *image, int index, uint8_t *rgba, size_t size);
/* Clears the image's GPU memory and frees it. NULL is a no-op. */
PIXEEN_API void pixeen_image_destroy(pixeen_image *image);

/* ---- models and prompts (reading checkpoints, tokenizing; no GPU) ------------------------- */

/* Prints what the model at `path` is, without touching the GPU: its layout (a diffusers folder
 * or a single-file original-layout .safetensors), the detected family (SD 1.x, SD 2.x, SDXL,
 * inpainting), each network with its parameter count, stored dtypes and configuration, unused
 * stored tensors, the tokenizer found, and the files' metadata. Reads only the headers (well
 * under a second for any size). Fails with PIXEEN_ERROR_FORMAT or PIXEEN_ERROR_MODEL naming the
 * file and tensor when the model is malformed or incomplete. */
PIXEEN_API pixeen_status pixeen_model_inspect(const char *path, FILE *out);

/* pixeen_tokenize_print's options; {0} means: no model, tokenizer from the data folder. */
typedef struct pixeen_tokenize_desc {
    const char *model_path;    /* default NULL; a model whose tokenizer to use */
    const char *tokenizer_dir; /* default NULL; a folder with vocab.json + merges.txt (wins) */
    int plain;                 /* default 0: AUTOMATIC1111 emphasis syntax; 1: text taken literally */
} pixeen_tokenize_desc;

/* Tokenizes `prompt` with the CLIP tokenizer (where it is looked for: --tokenizer DIR, the
 * model's tokenizer/ or a diffusers folder beside a single file, then
 * $XDG_DATA_HOME/pixeen/tokenizers/clip/) and prints the token count, the BPE pieces (with their
 * weights where not 1) and one line of 77 ids per chunk. Fails with PIXEEN_ERROR_TOKENIZER
 * saying exactly which files to provide when no tokenizer is found, and with
 * PIXEEN_ERROR_INVALID_ARGUMENT for a prompt that is not UTF-8. */
PIXEEN_API pixeen_status pixeen_tokenize_print(const pixeen_tokenize_desc *desc, const char *prompt, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* PIXEEN_PIXEEN_H */
