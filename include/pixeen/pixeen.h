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

#ifdef __cplusplus
}
#endif
#endif /* PIXEEN_PIXEEN_H */
