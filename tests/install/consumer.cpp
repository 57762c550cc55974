// The C consumer compiled as C++: pixeen.h must be valid C++.
#include "consumer.c"
