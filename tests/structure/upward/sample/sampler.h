/* sampler.h — the target of the planted upward include in ../ops/upward.c. Never compiled. */
