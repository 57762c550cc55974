/* The one translation unit that compiles the stb image reader and writer (Debian's libstb-dev).
 * Only PNG is needed: decoding for img2img inputs, encoding for saved images. */
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb_image.h>
#include <stb_image_write.h>
