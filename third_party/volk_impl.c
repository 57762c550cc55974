/* The one translation unit that compiles volk (Debian's libvulkan-volk-dev ships it as source). */
#include <volk.c>
