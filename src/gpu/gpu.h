/* gpu.h — the GPU layer: Vulkan devices, memory, compute pipelines and command recording.
 *
 * This header is what the rest of Pixeen sees of Vulkan; it exposes no Vulkan types. Only the files
 * in src/gpu/ include volk.h (through gpu_internal.h).
 *
 * Entry points:
 *   gpu_context_create/destroy  instance + the chosen device + queue + memory + pipeline cache
 *   gpu_buffer_create/destroy   sub-allocations of large device-local blocks
 *   gpu_buffer_upload/download  through a staging buffer (synchronous)
 *   gpu_pipeline_get            a compute pipeline from an embedded SPIR-V module (cached)
 *   gpu_recorder_*              record dispatches into one command buffer, with only the barriers
 *                               needed between writes and later reads; submit and replay it
 *
 * Errors while recording are sticky: record functions return nothing, and the first failure is
 * reported by gpu_recorder_end()/gpu_recorder_submit(). This keeps operator code straight-line,
 * the way Vulkan's own command recording works.
 */
#ifndef PIXEEN_GPU_H
#define PIXEEN_GPU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

typedef struct gpu_context gpu_context;
typedef struct gpu_buffer gpu_buffer;
typedef struct gpu_pipeline gpu_pipeline;
typedef struct gpu_recorder gpu_recorder;

/* ---- devices --------------------------------------------------------------------------- */

typedef enum gpu_device_type {
    GPU_DEVICE_OTHER = 0,
    GPU_DEVICE_INTEGRATED = 1,
    GPU_DEVICE_DISCRETE = 2,
    GPU_DEVICE_VIRTUAL = 3,
    GPU_DEVICE_CPU = 4,
} gpu_device_type;

#define GPU_MAX_HEAPS 16

/* What a device can do, queried once (never assumed: real GPUs differ from lavapipe). */
typedef struct gpu_caps {
    char name[256];
    char driver_name[256];
    char driver_info[256];
    uint32_t vendor_id, device_id, driver_id; /* driver_id: VkDriverId (13 = lavapipe) */
    uint32_t api_version;                     /* VK_MAKE_API_VERSION */
    uint32_t driver_version;
    gpu_device_type type;
    bool is_lavapipe; /* Mesa's CPU driver: picks the texel-buffer kernel variants */
    bool image_r16f;  /* R16F storage texel buffers (GPU_BIND_IMAGE_F16; not every device has them) */

    bool fp16;          /* shaderFloat16 arithmetic */
    bool int8;          /* shaderInt8 */
    bool int64;         /* shaderInt64 */
    bool storage16;     /* storageBuffer16BitAccess */
    bool storage8;      /* storageBuffer8BitAccess */
    bool buffer_device_address;
    bool push_descriptors; /* VK_KHR_push_descriptor */
    uint32_t subgroup_size;
    uint32_t subgroup_ops; /* VkSubgroupFeatureFlags in compute */
    bool subgroup_size_control;
    uint32_t min_subgroup_size, max_subgroup_size;

    uint32_t max_shared_memory;        /* bytes per workgroup */
    uint64_t max_storage_buffer_range; /* bytes one storage-buffer binding may cover */
    uint32_t max_texel_buffer_elements;
    uint32_t max_workgroup_invocations;
    uint32_t max_workgroup_size[3];
    uint32_t max_workgroup_count[3];
    uint32_t max_push_constants;
    uint64_t max_memory_allocation;
    uint64_t min_storage_offset_alignment;
    uint64_t min_texel_offset_alignment;

    bool timestamps;        /* compute queue supports timestamp queries */
    float timestamp_period; /* ns per tick */

    uint32_t heap_count;
    uint64_t heap_size[GPU_MAX_HEAPS];
    bool heap_device_local[GPU_MAX_HEAPS];
    uint64_t device_local_bytes; /* sum of device-local heaps */
    bool unified_memory;         /* a device-local memory type is also host-visible */
    uint8_t pipeline_cache_uuid[16];
} gpu_caps;

/* The size of the largest device-local heap (0 when there is none): what one allocation plan can
 * count on, where device_local_bytes sums heaps that no single resource spans. */
static inline uint64_t gpu_caps_largest_local_heap(const gpu_caps *caps) {
    uint64_t heap = 0;
    for (uint32_t i = 0; caps && i < caps->heap_count && i < GPU_MAX_HEAPS; i++)
        if (caps->heap_device_local[i] && caps->heap_size[i] > heap) heap = caps->heap_size[i];
    return heap;
}

/* An application's Vulkan objects, borrowed (never destroyed): see pixeen_vulkan_device in
 * pixeen.h for what the application must have enabled. Handles as void * (dispatchable handles
 * are pointers) so this header stays free of Vulkan types. */
typedef struct gpu_borrowed_device {
    void *instance, *physical_device, *device, *queue; /* VkInstance, VkPhysicalDevice, VkDevice, VkQueue */
    uint32_t queue_family;
    bool storage16, fp16, push_descriptors; /* what the device was created with */
    void (*get_instance_proc_addr)(void); /* PFN_vkGetInstanceProcAddr, or NULL: the loader's */
    void (*lock_queue)(void *user);       /* optional, around each vkQueueSubmit */
    void (*unlock_queue)(void *user);
    void *queue_user;
} gpu_borrowed_device;

typedef struct gpu_context_desc {
    const char *device;    /* index or name substring; NULL: $PIXEEN_DEVICE, else automatic */
    const gpu_borrowed_device *borrowed; /* NULL: create an instance and a device; else use these */
    bool validation;       /* Khronos validation layer; also on when $PIXEEN_VALIDATION=1 */
    bool no_pipeline_cache; /* do not read or write the on-disk pipeline cache */
    bool force_staging;     /* copy through the staging buffer even where device memory is
                               host-visible (tests the path discrete GPUs take) */
} gpu_context_desc;

/* Creates the Vulkan instance, chooses a device (discrete > integrated > virtual > CPU unless a
 * selector is given) and creates it with the features Pixeen uses. PIXEEN_ERROR_NO_DEVICE says how
 * to install a driver when none exists. With desc->borrowed, creates neither: loads the Vulkan
 * functions from the given instance, queries caps from the given physical device (limited to the
 * features the device was created with) and fails with PIXEEN_ERROR_UNSUPPORTED when a required
 * one is missing. */
pixeen_status gpu_context_create(const gpu_context_desc *desc, gpu_context **out);
/* Waits for the GPU, writes the pipeline cache, releases everything. NULL is a no-op. */
void gpu_context_destroy(gpu_context *ctx);
const gpu_caps *gpu_context_caps(const gpu_context *ctx);

/* Tuning knobs for experiments and comparisons (README's table of environment variables), read
 * from the environment once when a context is created, so no operator calls getenv while it
 * records and a context's kernels do not change under it. Zero means automatic. */
typedef enum gpu_kernel_variant {
    GPU_KERNEL_AUTO = 0,  /* texel-buffer kernels on lavapipe, tiled ones elsewhere */
    GPU_KERNEL_TEXEL = 1, /* PIXEEN_KERNEL_VARIANT=texel (matmul, conv2d, attention) */
    GPU_KERNEL_TILED = 2, /* PIXEEN_KERNEL_VARIANT=tiled */
} gpu_kernel_variant;

typedef enum gpu_winograd_choice {
    GPU_WINOGRAD_AUTO = 0,   /* where it measured faster (op_conv2d_winograd_wanted) */
    GPU_WINOGRAD_OFF = 1,    /* PIXEEN_CONV_WINOGRAD=0: the direct implicit GEMM everywhere */
    GPU_WINOGRAD_FORCED = 2, /* PIXEEN_CONV_WINOGRAD=1: wherever it can run (tests), the rule's form */
    GPU_WINOGRAD_F2 = 3,     /* PIXEEN_CONV_WINOGRAD=2: F(2x2, 3x3) wherever it can run, never F(4x4) */
    GPU_WINOGRAD_F4 = 4,     /* PIXEEN_CONV_WINOGRAD=4: F(4x4, 3x3) wherever it can run, never F(2x2) */
} gpu_winograd_choice;

/* The on/off knobs of gpu_tuning: 0 leaves the choice to the driver table. */
enum { GPU_SWITCH_ON = 1, GPU_SWITCH_OFF = 2 };
static inline bool gpu_switch_on(uint32_t knob, bool table_choice) {
    return knob ? knob == GPU_SWITCH_ON : table_choice;
}

typedef struct gpu_tuning {
    bool no_vec4;                      /* PIXEEN_NO_VEC4 set: scalar activation kernels only */
    gpu_kernel_variant kernel_variant; /* PIXEEN_KERNEL_VARIANT */
    uint32_t attention_qr;             /* PIXEEN_ATTENTION_QR: query rows per invocation, 1..8 */
    uint32_t attention_kb;             /* PIXEEN_ATTENTION_KB: keys per softmax block, 1..32 */
    uint32_t attention_fused_min;      /* PIXEEN_ATTENTION_FUSED_MIN: fewest query rows for the fused kernel */
    uint32_t attention_shared_keys;    /* PIXEEN_ATTENTION_SHARED_KEYS=1|0: packed texel attention's K and V
                                          rows fetched once per subgroup and broadcast (1) or never (2);
                                          0: the driver table's choice */
    uint32_t tune_matmul[5], tune_matmul_count; /* PIXEEN_TUNE_MATMUL: tm,tn,wg (texel) or bm,bn,bk,tm,tn */
    uint32_t tune_conv2d[5], tune_conv2d_count; /* PIXEEN_TUNE_CONV2D: likewise for convolutions */
    bool gguf_dequantize;              /* PIXEEN_GGUF_DEQUANTIZE=1: GGUF weights converted to fp16 at load */
    uint32_t gemm_packed;              /* PIXEEN_GEMM_PACKED=1|0: fp16 texel GEMM operands fetched 8 values
                                          per texel (1) or 4 (2); 0: the driver table's choice */
    uint32_t gemm_shared_rows;         /* PIXEEN_GEMM_SHARED_ROWS=1|0: packed texel GEMM rows fetched once
                                          per subgroup and broadcast wherever it can run (1) or never (2);
                                          0: the driver table's choice */
    gpu_winograd_choice conv_winograd; /* PIXEEN_CONV_WINOGRAD */
    bool no_host_import;               /* PIXEEN_HOST_IMPORT=0: a CPU driver allocates its device memory itself */
} gpu_tuning;

/* Per-driver defaults of kernel choices, from measurements (the table in tuning.c: keyed by
 * VkDriverId and a driverVersion range, never by device name or CPU model). The environment
 * knobs above override them for bench experiments. Zero fields mean "the operator's default". */
typedef struct gpu_driver_tuning {
    const char *name;        /* the row, for logs and bench reports ("lavapipe, Mesa >= 23") */
    uint32_t gemm_tm, gemm_tn; /* texel GEMM register block (matmul; 0: 16 x 16) */
    uint32_t conv_tm, conv_tn; /* texel direct convolution's register block (0: 16 x 16) */
    bool gemm_packed;        /* fp16 texel GEMM operands (matmul and conv) as RGBA32UI: 8 values per fetch */
    bool gemm_wide_only;     /* texel GEMM: no 4-wide blocks for narrow products (fewer pipelines to JIT) */
    bool gemm_shared_rows;   /* packed texel GEMM (matmul and conv): a workgroup's rows fetched once per
                                subgroup and broadcast (gemm_texel.glsl's SHARED_ROWS) */
    uint32_t attention_qr_max;   /* texel attention: most query rows per invocation (0: 8) */
    uint32_t attention_span_max; /* texel attention: most rows x head dim per invocation (0: no cap) */
    uint32_t attention_fused_min; /* fewer query rows go through explicit products (0: always fused) */
    bool attention_shared_keys;   /* packed texel attention: a block's K and V rows fetched once per
                                     subgroup and broadcast (attention_texel.comp's SHARED_KEYS) */
} gpu_driver_tuning;

/* The row for a device's driver (a row of zeros, named "default", when none matches). The version
 * is driverVersion, except for Mesa's drivers, whose driverVersion is not Mesa's release (lavapipe
 * reports 1 on both 22.3 and 25.0): there it is parsed from driverInfo ("Mesa 25.0.7-..."). */
const gpu_driver_tuning *gpu_driver_tuning_for(const gpu_caps *caps);

/* The knobs of the environment now (what gpu_context_create stores). */
void gpu_tuning_from_env(gpu_tuning *tuning);
/* The context's knobs, as read when it was created. */
const gpu_tuning *gpu_context_tuning(const gpu_context *ctx);
/* The same, to change: for tests and A/B tools that compare choices within one context. Affects
 * what is recorded afterwards only. */
gpu_tuning *gpu_context_tuning_edit(gpu_context *ctx);

/* Validation messages (errors and warnings) counted since process start; tests fail on any. */
uint32_t gpu_validation_message_count(void);
/* Whether the validation layer was actually enabled for this context. */
bool gpu_context_validation_enabled(const gpu_context *ctx);

/* Prints every device, its capabilities, and which one `selector` (as in gpu_context_desc.device)
 * would choose. Needs no context. */
pixeen_status gpu_devices_print(FILE *out, const char *selector);

/* ---- memory ---------------------------------------------------------------------------- */

typedef enum gpu_memory {
    GPU_MEMORY_DEVICE = 0, /* device-local: tensors, weights, activations */
    GPU_MEMORY_HOST = 1,   /* host-visible, coherent, mapped: per-step scalars, small uploads */
} gpu_memory;

/* Allocates `size` bytes (a sub-range of a large block; no vkAllocateMemory per tensor). The
 * contents are undefined. */
pixeen_status gpu_buffer_create(gpu_context *ctx, gpu_memory memory, uint64_t size, const char *label,
                                gpu_buffer **out);
/* Returns the range to its block. NULL is a no-op. The caller must not destroy a buffer that a
 * pending submission still uses. */
void gpu_buffer_destroy(gpu_buffer *buf);
/* Overwrites the whole buffer with zeros on the GPU, then destroys it: for buffers that held
 * images, latents, embeddings (not every driver clears memory it hands out again). */
void gpu_buffer_destroy_wiped(gpu_buffer *buf);
uint64_t gpu_buffer_size(const gpu_buffer *buf);
/* The VkBuffer (as an integer handle) holding `buf`, and where `buf` starts in it. */
void gpu_buffer_vk_handle(const gpu_buffer *buf, uint64_t *handle, uint64_t *offset);
/* A gpu_buffer over `size` bytes of an application's VkBuffer (`handle`, on the context's
 * borrowed device), so operators can read it where it is: zero copy in. gpu_buffer_destroy
 * forgets it and never destroys the VkBuffer; it must not be wiped, mapped or uploaded to. */
pixeen_status gpu_buffer_wrap(gpu_context *ctx, uint64_t handle, uint64_t size, gpu_buffer **out);
/* Whether the context runs on an application's borrowed device. */
bool gpu_context_borrowed(const gpu_context *ctx);
/* Host pointer of a GPU_MEMORY_HOST buffer (NULL for device memory). */
void *gpu_buffer_map(gpu_buffer *buf);

/* Fills `dst` (the next `bytes` of a stream starting at `offset`); returns PIXEEN_OK or an error. */
typedef pixeen_status (*gpu_produce_fn)(void *dst, uint64_t offset, uint64_t bytes, void *user);

/* Writes `size` bytes at `offset` of `buf`, produced chunk by chunk into the staging buffer by
 * `produce` (so a caller can convert or read a file piecewise without holding it all in memory).
 * Synchronous: returns when the data is on the GPU. */
pixeen_status gpu_buffer_write_stream(gpu_context *ctx, gpu_buffer *buf, uint64_t offset, uint64_t size,
                                      gpu_produce_fn produce, void *user);
pixeen_status gpu_buffer_upload(gpu_context *ctx, gpu_buffer *buf, uint64_t offset, const void *data,
                                uint64_t size);
pixeen_status gpu_buffer_download(gpu_context *ctx, const gpu_buffer *buf, uint64_t offset, void *data,
                                  uint64_t size);

/* Device memory currently allocated from Vulkan (blocks) and the peak so far. */
uint64_t gpu_memory_allocated(const gpu_context *ctx);
uint64_t gpu_memory_peak(const gpu_context *ctx);
/* Whether device memory is this process's own huge-page memory given to a CPU driver
 * (VK_EXT_external_memory_host; memory.c's import_host_memory says why). */
bool gpu_memory_host_imported(const gpu_context *ctx);
/* Blocks created from now until the call with false are filled whole at once (a model's weights):
 * on a CPU driver a thread faults each one in ahead of the writer (memory.c). Other blocks fault
 * page by page as they are touched, so a block that stays mostly empty costs no memory. */
void gpu_memory_expect_fill(gpu_context *ctx, bool on);

/* ---- pipelines ------------------------------------------------------------------------- */

typedef enum gpu_binding_kind {
    GPU_BIND_STORAGE = 0,     /* storage buffer (read or write) */
    GPU_BIND_TEXEL_F32X4 = 1, /* uniform texel buffer, RGBA32F: read-only, fast fetch on lavapipe */
    GPU_BIND_TEXEL_F16X4 = 2, /* uniform texel buffer, RGBA16F: read-only, fp16 -> fp32 on fetch */
    GPU_BIND_TEXEL_F32 = 3,   /* uniform texel buffer, R32F */
    GPU_BIND_TEXEL_F16 = 4,   /* uniform texel buffer, R16F */
    GPU_BIND_TEXEL_U32 = 5,   /* uniform texel buffer, R32UI: raw words (quantized weight blocks) */
    GPU_BIND_TEXEL_U32X4 = 6, /* uniform texel buffer, RGBA32UI: 16 raw bytes (8 packed fp16 values) */
    /* Storage texel buffers (imageStore/imageLoad on an imageBuffer), which may be written. lavapipe
     * stores an SSBO value lane by lane and component by component in a loop, but an image texel
     * in one packed store per lane (the Winograd weight transform: 1.7-2.6x faster, README), so
     * a kernel whose time is its stores writes through one of these. Every Vulkan device supports
     * both formats for storage texel buffers. */
    GPU_BIND_IMAGE_F16X4 = 7, /* RGBA16F: fp32 -> fp16 on store, which may round toward zero (lavapipe's
                                 does): kernels round first (shaders/common/round_f16.glsl) */
    GPU_BIND_IMAGE_F32X4 = 8, /* RGBA32F */
    GPU_BIND_IMAGE_F16 = 9,   /* R16F, rounding as RGBA16F (an optional format: caps.image_r16f) */
    GPU_BIND_IMAGE_F32 = 10,  /* R32F */
} gpu_binding_kind;

/* Whether a binding of this kind is a storage texel buffer (GPU_BIND_IMAGE_*). */
static inline bool gpu_binding_is_image(gpu_binding_kind kind) {
    return kind == GPU_BIND_IMAGE_F16X4 || kind == GPU_BIND_IMAGE_F32X4 || kind == GPU_BIND_IMAGE_F16 ||
           kind == GPU_BIND_IMAGE_F32;
}

#define GPU_MAX_BINDINGS 8
#define GPU_MAX_SPEC_CONSTANTS 16
#define GPU_MAX_PUSH_BYTES 128 /* the minimum every Vulkan device guarantees */

typedef struct gpu_pipeline_desc {
    const char *shader; /* embedded module name: shaders/<stem>.comp (+ variant suffix) */
    uint32_t binding_count;
    gpu_binding_kind bindings[GPU_MAX_BINDINGS]; /* binding i of set 0 */
    uint32_t push_size;                          /* bytes of push constants (<= 128) */
    uint32_t spec_count;
    uint32_t spec[GPU_MAX_SPEC_CONSTANTS]; /* constant_id i = spec[i] */
} gpu_pipeline_desc;

/* Returns the pipeline for `desc`, creating it on first use (owned by the context, reused by
 * every later call with an equal desc). */
pixeen_status gpu_pipeline_get(gpu_context *ctx, const gpu_pipeline_desc *desc, gpu_pipeline **out);
/* Number of pipelines created so far and how many were found in the on-disk cache at start. */
uint32_t gpu_pipeline_count(const gpu_context *ctx);
bool gpu_pipeline_cache_loaded(const gpu_context *ctx);
/* The on-disk pipeline cache's path for this device and driver build (false: no cache directory). */
bool gpu_pipeline_cache_file(const gpu_context *ctx, char *path, size_t size);

/* What gpu_pipelines_compile did. */
typedef struct gpu_compile_report {
    uint32_t pipelines;     /* dispatched for the first time */
    double seconds;         /* wall time of it all */
    double slowest_seconds; /* the slowest pipeline's time, and its shader */
    char slowest[64];
} gpu_compile_report;
/* Dispatches every pipeline created since the last call once, now, with zero workgroups and dummy
 * bindings, each in its own timed submission, and waits: lavapipe compiles a pipeline at its first
 * dispatch, so this measures what each pipeline's compile costs (PIXEEN_PIPELINE_TIMES, txt2img.c).
 * It is not a warm-up: Mesa 22.3's llvmpipe keys a compiled variant on the bound resources' state,
 * and the real first dispatch compiled again (measured at SD 1.5's text encoder: 10.7 CPU-s for the
 * first real submit after this, 1.3 for the next; a power-of-two dummy size or not made no
 * difference). A warm-up would have to replay the real recording's bindings. `report` may be NULL. */
pixeen_status gpu_pipelines_compile(gpu_context *ctx, gpu_compile_report *report);

/* ---- recording ------------------------------------------------------------------------- */

/* One bound range of a buffer. `size` 0 means "to the end of the buffer". A storage binding may
 * cover at most caps.max_storage_buffer_range bytes: operators split larger tensors. */
typedef struct gpu_binding {
    gpu_buffer *buffer;
    uint64_t offset;
    uint64_t size;
    bool write; /* the dispatch writes this range (drives barrier insertion) */
} gpu_binding;

pixeen_status gpu_recorder_create(gpu_context *ctx, gpu_recorder **out);
void gpu_recorder_destroy(gpu_recorder *rec);
gpu_context *gpu_recorder_context(gpu_recorder *rec);

/* Starts a new recording (the previous one is discarded). */
void gpu_recorder_begin(gpu_recorder *rec);
/* Appends a dispatch of `groups` workgroups. `label` names the operator for profiling. A barrier
 * is inserted before it only if it reads or writes a range an earlier dispatch since the last
 * barrier wrote, or writes a range one read. */
void gpu_record_dispatch(gpu_recorder *rec, gpu_pipeline *pipeline, const gpu_binding *bindings,
                         uint32_t binding_count, const void *push, uint32_t push_size, uint32_t groups_x,
                         uint32_t groups_y, uint32_t groups_z, const char *label);
/* Binds `pipeline` with every binding on `dummy` (in the binding's kind) and zero push constants,
 * and dispatches no workgroups: a driver that compiles at the first dispatch compiles it. */
void gpu_record_compile(gpu_recorder *rec, gpu_pipeline *pipeline, gpu_buffer *dummy);
void gpu_record_copy(gpu_recorder *rec, gpu_buffer *src, uint64_t src_offset, gpu_buffer *dst,
                     uint64_t dst_offset, uint64_t size);
/* Fills `size` bytes (a multiple of 4) with a 32-bit pattern. */
void gpu_record_fill(gpu_recorder *rec, gpu_buffer *dst, uint64_t offset, uint64_t size, uint32_t pattern);
/* Makes the recording fail with `status` (its message already set) unless it failed before:
 * operators report invalid shapes this way. */
void gpu_recorder_fail(gpu_recorder *rec, pixeen_status status);
/* Finishes recording; returns the first error met while recording. */
pixeen_status gpu_recorder_end(gpu_recorder *rec);
/* Submits the recorded command buffer and waits for it. May be called again to replay the same
 * recording (after updating host-visible inputs). */
pixeen_status gpu_recorder_submit(gpu_recorder *rec);
/* Number of dispatches and barriers in the current recording (for tests and --verbose). */
uint32_t gpu_recorder_dispatch_count(const gpu_recorder *rec);
uint32_t gpu_recorder_barrier_count(const gpu_recorder *rec);

/* Splits `total` workgroups over x and y so neither exceeds the device limit; the shader
 * reconstructs the linear index as gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x and
 * must ignore indices >= total. */
void gpu_groups_2d(const gpu_context *ctx, uint64_t total, uint32_t *x, uint32_t *y);

/* ---- timing ---------------------------------------------------------------------------- */

/* Per-dispatch GPU timestamps: on when $PIXEEN_PROFILE=1 or enabled here. After each submit, the
 * time of every dispatch is added to its label's total. */
void gpu_recorder_set_timing(gpu_recorder *rec, bool on);
/* GPU time of the last submit, from its start to its end (copies included), in ns (0 without
 * timing). */
double gpu_recorder_last_ns(const gpu_recorder *rec);
/* Prints per-label totals (count, total ms, share) accumulated by all recorders of `ctx`. */
void gpu_profile_print(gpu_context *ctx, FILE *out);
void gpu_profile_reset(gpu_context *ctx);
/* The per-label totals gathered so far (unsorted): how many labels, and label i's name (valid
 * until the next reset or submit), dispatch count and total GPU time in ns. */
/* Recorders created from now on time their dispatches as with $PIXEEN_PROFILE=1 (the pipeline
 * benchmark's per-operator breakdown), or stop doing so. */
void gpu_context_set_profiling(gpu_context *ctx, bool on);
uint32_t gpu_profile_count(const gpu_context *ctx);
void gpu_profile_get(const gpu_context *ctx, uint32_t i, const char **label, uint64_t *count, double *total_ns);

#endif
