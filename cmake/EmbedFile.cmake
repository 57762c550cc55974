# Turns a data file into a C source defining
#     const unsigned char NAME[];  const size_t NAME_size;
# Run as a script at build time: cmake -DINPUT=file -DOUTPUT=file.c -DNAME=symbol -P EmbedFile.cmake
# (hex through file(READ ... HEX): no tool beyond CMake itself, so it works wherever the build does).
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUTPUT}.tmp"
     "/* Generated from ${INPUT} by cmake/EmbedFile.cmake: do not edit. */\n"
     "#include <stddef.h>\n"
     "const unsigned char ${NAME}[] = {\n${bytes}0x00};\n"
     "const size_t ${NAME}_size = ${size};\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
