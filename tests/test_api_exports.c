/* test_api_exports.c — the shared library's dynamic symbol table: every symbol it defines for
 * other programs is a pixeen_* function of the public header (hidden visibility everywhere
 * else: no volk, stb, sodium wrappers, shader tables or internal layers leak), every PIXEEN_API
 * function declared in include/pixeen/pixeen.h is exported, and its SONAME carries the major
 * version. Reads the ELF file itself (like test_no_network.c), so it needs no binutils. */
#include <elf.h>
#include <stdint.h>

#include "test.h"

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) b[n] = 0;
    *size = (size_t)n;
    return b;
}

#define MAX_EXPORTS 512

int main(void) {
    const char *bin = getenv("PIXEEN_TEST_BIN");
    char path[4096];
    snprintf(path, sizeof path, "%s/src/libpixeen.so", bin ? bin : "build");
    size_t n = 0;
    uint8_t *b = read_file(path, &n);
    if (!b) TEST_SKIP("libpixeen.so not built");
    CHECK(n >= sizeof(Elf64_Ehdr) && !memcmp(b, ELFMAG, SELFMAG) && b[EI_CLASS] == ELFCLASS64);
    if (n < sizeof(Elf64_Ehdr) || b[EI_CLASS] != ELFCLASS64) return test_finish();
    /* Test support (tools/support: test-model writer, BPE trainer) is not shipped: not even a hidden
     * symbol of it is in the library. */
    static const char test_support[] = "testmodel_";
    int has_test_support = 0;
    for (size_t i = 0; i + sizeof test_support - 1 <= n && !has_test_support; i++)
        has_test_support = !memcmp(b + i, test_support, sizeof test_support - 1);
    CHECK(!has_test_support);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(void *)b;
    CHECK(eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) <= n);
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(void *)(b + eh->e_shoff);
    static char exports[MAX_EXPORTS][64];
    int count = 0, foreign = 0;
    char soname[128] = "";
    for (int i = 0; i < eh->e_shnum; i++) {
        if ((sh[i].sh_type != SHT_DYNSYM && sh[i].sh_type != SHT_DYNAMIC) || sh[i].sh_link >= eh->e_shnum) continue;
        const Elf64_Shdr *strtab = &sh[sh[i].sh_link];
        if (sh[i].sh_offset + sh[i].sh_size > n || strtab->sh_offset + strtab->sh_size > n) continue;
        const char *str = (const char *)b + strtab->sh_offset;
        if (sh[i].sh_type == SHT_DYNAMIC) {
            const Elf64_Dyn *dyn = (const Elf64_Dyn *)(void *)(b + sh[i].sh_offset);
            for (size_t k = 0; k < sh[i].sh_size / sizeof *dyn; k++)
                if (dyn[k].d_tag == DT_SONAME && dyn[k].d_un.d_val < strtab->sh_size)
                    snprintf(soname, sizeof soname, "%s", str + dyn[k].d_un.d_val);
            continue;
        }
        const Elf64_Sym *sym = (const Elf64_Sym *)(void *)(b + sh[i].sh_offset);
        for (size_t k = 1; k < sh[i].sh_size / sizeof *sym; k++) {
            int bind = ELF64_ST_BIND(sym[k].st_info);
            if (sym[k].st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK)) continue;
            if (sym[k].st_name >= strtab->sh_size) continue;
            const char *name = str + sym[k].st_name;
            if (strncmp(name, "pixeen_", 7) != 0) {
                fprintf(stderr, "exported but not public: %s\n", name);
                foreign++;
            } else if (count < MAX_EXPORTS) {
                snprintf(exports[count++], sizeof exports[0], "%s", name);
            }
        }
    }
    printf("%s: %d pixeen_* exports, %d others; SONAME %s\n", path, count, foreign, soname);
    CHECK(foreign == 0);
    char expected_soname[64];
    snprintf(expected_soname, sizeof expected_soname, "libpixeen.so.%d", PIXEEN_VERSION_MAJOR);
    CHECK(strcmp(soname, expected_soname) == 0);

    /* every PIXEEN_API function of the header is exported, and nothing the header lacks */
    size_t hn = 0;
    char *h = (char *)read_file(PIXEEN_HEADER, &hn);
    CHECK(h != NULL);
    int declared = 0;
    for (char *p = h; p && (p = strstr(p, "PIXEEN_API ")) != NULL; p++) {
        char *name = strstr(p, "pixeen_"), *paren = strchr(p, '(');
        if (!name || !paren || name > paren) continue;
        /* the function name is the last pixeen_ identifier before '(' */
        for (char *q; (q = strstr(name + 1, "pixeen_")) && q < paren;) name = q;
        char fn[64];
        size_t len = (size_t)(paren - name) < sizeof fn - 1 ? (size_t)(paren - name) : sizeof fn - 1;
        memcpy(fn, name, len);
        fn[len] = 0;
        if (strchr(fn, ' ') || strchr(fn, '*')) continue; /* "#define PIXEEN_API ..." lines */
        declared++;
        int found = 0;
        for (int i = 0; i < count && !found; i++) found = !strcmp(exports[i], fn);
        if (!found) fprintf(stderr, "declared PIXEEN_API but not exported: %s\n", fn);
        CHECK(found);
    }
    printf("%d functions declared PIXEEN_API in pixeen.h\n", declared);
    CHECK(declared == count);
    free(h);
    free(b);
    return test_finish();
}
