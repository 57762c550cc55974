/* test_weights_resident.c — reading a memory-mapped checkpoint leaves it out of the resident set.
 *
 * The weight uploader reads each tensor in small chunks (16384 values) and the reader drops the
 * pages it has read (MADV_DONTNEED). Tensors start anywhere in the file, so chunks end inside
 * pages; a dropped page that is read again comes back with its whole fault-around window (64 KiB
 * on Linux), the already dropped pages behind it included. Rounding the dropped range outwards left
 * about half of such a file resident (4.5 GB of SDXL's 6.9 GB checkpoint, besides the 6.5 GiB of
 * weights on a CPU driver's "device"). Here a 48 MiB F16 tensor at an unaligned offset is read the
 * uploader's way; the file's resident pages (RssFile) may grow by at most 4 MiB. Linux only: skips
 * where /proc/self/status has no RssFile. */
#include <unistd.h>

#include "models/safetensors.h"
#include "test.h"

#define CHUNK 16384 /* values per read, as nn_weights.c reads */

static long rss_file_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "RssFile:", 8)) kib = atol(line + 8);
    if (f) fclose(f);
    return kib;
}

int main(void) {
    if (rss_file_kib() < 0) TEST_SKIP("no RssFile in /proc/self/status");
    const char *bin = getenv("PIXEEN_TEST_BIN");
    char path[1024];
    snprintf(path, sizeof path, "%s/weights-resident-%ld.safetensors", bin ? bin : "/tmp", (long)getpid());
    /* header: 8-byte length, JSON padded to 8 bytes (not to a page: the data starts mid-page) */
    const uint64_t n = 24ull << 20; /* values: 48 MiB of F16 */
    char header[160];
    int h = snprintf(header, sizeof header, "{\"w\":{\"dtype\":\"F16\",\"shape\":[%llu],\"data_offsets\":[0,%llu]}}",
                     (unsigned long long)n, (unsigned long long)(2 * n));
    while (h % 8) header[h++] = ' ';
    FILE *f = fopen(path, "wb");
    if (!f) TEST_SKIP("cannot write a scratch file");
    uint64_t hl = (uint64_t)h;
    uint8_t len[8];
    for (int i = 0; i < 8; i++) len[i] = (uint8_t)(hl >> (8 * i));
    fwrite(len, 1, 8, f);
    fwrite(header, 1, (size_t)h, f);
    uint16_t *block = malloc(CHUNK * 2);
    for (uint32_t i = 0; i < CHUNK; i++) block[i] = (uint16_t)(0x3C00u + (i & 0x3FFu)); /* finite values */
    for (uint64_t done = 0; done < n; done += CHUNK) fwrite(block, 2, CHUNK, f);
    CHECK(fclose(f) == 0);
    CHECK((8 + hl) % 4096 != 0);

    safetensors_file *st = NULL;
    CHECK_OK(safetensors_open(path, &st));
    if (st) {
        const safetensors_tensor *t = safetensors_find(st, "w");
        long before = rss_file_kib();
        uint64_t sum = 0;
        for (uint64_t at = 0; t && at < n; at += CHUNK) {
            CHECK_OK(safetensors_read_f16(st, t, at, CHUNK, block));
            sum += block[CHUNK - 1];
        }
        long grown = rss_file_kib() - before;
        printf("read %llu MiB in %d-value chunks: resident file pages grew by %ld KiB\n",
               (unsigned long long)(2 * n >> 20), CHUNK, grown);
        CHECK(sum == (n / CHUNK) * (0x3C00u + ((CHUNK - 1) & 0x3FFu)));
        CHECK(grown < 4096);
        safetensors_close(st);
    }
    free(block);
    unlink(path);
    return test_finish();
}
