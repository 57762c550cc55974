/* upward.c — a planted upward include (ops -> sample): test_layers_catches_upward checks that
 * check_layers.cmake rejects it. Never compiled. */
#include "ops/ops.h"
#include "sample/sampler.h"
