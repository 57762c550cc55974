/* test_no_network.c — proof that Pixeen cannot talk to a network: the dynamic symbols imported by
 * the project's own shared library (build/src/libpixeen.so*) and executable (build/src/pixeen)
 * contain no networking call (socket, connect, bind, listen, accept, name resolution, the
 * send/recv families, ...), their DT_NEEDED libraries include no network library, and dynamic
 * loading (dlopen/dlsym) appears only in a binary that carries volk, which uses it to load the
 * Vulkan loader (its "libvulkan.so.1" name is in that binary). The ELF files are parsed here
 * (no dependence on binutils). The binaries come from $PIXEEN_TEST_BIN (the build folder); the
 * test skips (77) while they do not exist yet. A self-check runs the scanner on a networking
 * tool (wget, curl or ssh) when one is installed, to show it finds what it looks for. */
#include <elf.h>

#include "test.h"

static const char *const banned[] = {
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "shutdown",
    "getaddrinfo", "getaddrinfo_a", "freeaddrinfo", "getnameinfo", "gethostbyname", "gethostbyname2",
    "gethostbyname_r", "gethostbyname2_r", "gethostbyaddr", "gethostbyaddr_r", "gethostent", "getservbyname",
    "res_query", "res_search", "res_init", "res_ninit", "res_nquery", "__res_query", "getifaddrs",
    "send", "recv", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "sendfile",
    "setsockopt", "getsockopt", "getpeername", "getsockname", NULL,
};
static const char *const dynamic_loading[] = {"dlopen", "dlmopen", "dlsym", "dlvsym", NULL};
static const char *const network_libs[] = {"libcurl", "libssl", "libgnutls", "libresolv", "libnss_", "libzmq", NULL};

typedef struct scan {
    int found_banned, found_dl, found_netlib, has_volk;
} scan;

static int in_list(const char *name, const char *const *list, int prefix) {
    for (int i = 0; list[i]; i++)
        if (prefix ? !strncmp(name, list[i], strlen(list[i])) : !strcmp(name, list[i])) return 1;
    return 0;
}

/* Returns 0 after scanning, -1 if the file is not a 64-bit little-endian ELF file we can read. */
static int scan_elf(const char *path, scan *out, int verbose) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = size > 0 ? malloc((size_t)size) : NULL;
    int ok = b && fread(b, 1, (size_t)size, f) == (size_t)size;
    fclose(f);
    size_t n = (size_t)size;
    if (!ok || n < sizeof(Elf64_Ehdr) || memcmp(b, ELFMAG, SELFMAG) || b[EI_CLASS] != ELFCLASS64 ||
        b[EI_DATA] != ELFDATA2LSB) {
        free(b);
        return -1;
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(void *)b;
    if (eh->e_shoff == 0 || eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > n) {
        free(b);
        return -1;
    }
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(void *)(b + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_DYNSYM && sh[i].sh_type != SHT_DYNAMIC) continue;
        if (sh[i].sh_link >= eh->e_shnum) continue;
        const Elf64_Shdr *strtab = &sh[sh[i].sh_link];
        if (sh[i].sh_offset + sh[i].sh_size > n || strtab->sh_offset + strtab->sh_size > n) continue;
        const char *str = (const char *)b + strtab->sh_offset;
        if (sh[i].sh_type == SHT_DYNSYM) {
            const Elf64_Sym *sym = (const Elf64_Sym *)(void *)(b + sh[i].sh_offset);
            for (size_t k = 0; k < sh[i].sh_size / sizeof *sym; k++) {
                if (sym[k].st_shndx != SHN_UNDEF || sym[k].st_name >= strtab->sh_size) continue;
                const char *name = str + sym[k].st_name;
                if (in_list(name, banned, 0)) {
                    out->found_banned++;
                    if (verbose) fprintf(stderr, "%s imports networking call '%s'\n", path, name);
                }
                if (in_list(name, dynamic_loading, 0)) out->found_dl++;
            }
        } else {
            const Elf64_Dyn *dyn = (const Elf64_Dyn *)(void *)(b + sh[i].sh_offset);
            for (size_t k = 0; k < sh[i].sh_size / sizeof *dyn; k++) {
                if (dyn[k].d_tag != DT_NEEDED || dyn[k].d_un.d_val >= strtab->sh_size) continue;
                const char *lib = str + dyn[k].d_un.d_val;
                if (in_list(lib, network_libs, 1)) {
                    out->found_netlib++;
                    if (verbose) fprintf(stderr, "%s needs network library '%s'\n", path, lib);
                }
            }
        }
    }
    static const char volk_marker[] = "libvulkan.so.1";
    for (size_t i = 0; i + sizeof volk_marker - 1 <= n; i++)
        if (b[i] == 'l' && !memcmp(b + i, volk_marker, sizeof volk_marker - 1)) {
            out->has_volk = 1;
            break;
        }
    free(b);
    return 0;
}

static int check_binary(const char *path) {
    scan s;
    if (scan_elf(path, &s, 1) != 0) return 0;
    printf("%s: %d networking imports, %d dynamic-loading imports%s\n", path, s.found_banned, s.found_dl,
           s.has_volk ? " (carries volk)" : "");
    CHECK(s.found_banned == 0);
    CHECK(s.found_netlib == 0);
    if (s.found_dl && !s.has_volk) fprintf(stderr, "%s uses dlopen/dlsym but does not carry volk\n", path);
    CHECK(s.found_dl == 0 || s.has_volk);
    return 1;
}

int main(void) {
    /* Self-check: the scanner must see the networking calls of a networking tool. */
    const char *tools[] = {"/usr/bin/wget", "/usr/bin/curl", "/usr/bin/ssh", NULL};
    for (int i = 0; tools[i]; i++) {
        scan s;
        if (scan_elf(tools[i], &s, 0) == 0) {
            printf("self-check: %s imports %d networking calls\n", tools[i], s.found_banned);
            CHECK(s.found_banned > 0);
            break;
        }
    }
    const char *bin = getenv("PIXEEN_TEST_BIN");
    char lib[4096], exe[4096];
    snprintf(lib, sizeof lib, "%s/src/libpixeen.so", bin ? bin : "build");
    snprintf(exe, sizeof exe, "%s/src/pixeen", bin ? bin : "build");
    int have_lib = check_binary(lib); /* libpixeen.so is a link to libpixeen.so.0.1.0: same file */
    int have_exe = check_binary(exe);
    if (!have_lib || !have_exe) {
        printf("not built yet:%s%s\n", have_lib ? "" : " libpixeen.so", have_exe ? "" : " pixeen");
        if (test_failed_count) return test_finish();
        TEST_SKIP("the shared library or the executable is not built yet");
    }
    return test_finish();
}
