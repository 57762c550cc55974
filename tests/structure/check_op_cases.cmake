# check_op_cases.cmake — every operator (each op_*_record declared in src/ops/*.h) has a case in the
# operator-case registry (src/bench/cases_*.c calls it), so ctest's check pass (test_op_cases) and
# `pixeen bench` cover it. Run by ctest (test_op_cases_cover):
#     cmake -DSRC=<src dir> -P check_op_cases.cmake
# LEGACY lists the operators still checked only by their own tests/test_op_*.c (odd and real
# sizes there); the list may only shrink: an operator in it that has a case is an error too.
set(LEGACY
  op_conv2d_pad_end_record     # tests/test_op_conv2d.c
  op_embedding_inject_record   # tests/test_embeddings.c
  op_finite_count_record       # tests/test_op_finite_count.c
  op_latent_blend_record       # tests/test_op_latent_sample.c
  op_latent_preview_record     # tests/test_op_latent_preview.c
  op_latent_sample_record      # tests/test_op_latent_sample.c
  op_lora_merge_record         # tests/test_op_lora_merge.c
  op_token_weights_record      # tests/test_op_sampler_step.c
)
if(NOT SRC)
  message(FATAL_ERROR "usage: cmake -DSRC=<src dir> -P check_op_cases.cmake")
endif()
get_filename_component(SRC ${SRC} ABSOLUTE)
file(GLOB headers ${SRC}/ops/*.h)
file(GLOB cases ${SRC}/bench/cases_*.c)
set(case_text "")
foreach(f IN LISTS cases)
  file(READ ${f} text)
  string(APPEND case_text "${text}")
endforeach()
set(ops "")
foreach(h IN LISTS headers)
  file(STRINGS ${h} lines REGEX "op_[a-z0-9_]+_record\\(")
  foreach(line IN LISTS lines)
    string(REGEX MATCHALL "op_[a-z0-9_]+_record\\(" found "${line}")
    foreach(f IN LISTS found)
      string(REPLACE "(" "" f "${f}")
      list(APPEND ops ${f})
    endforeach()
  endforeach()
endforeach()
list(REMOVE_DUPLICATES ops)
list(SORT ops)
set(errors 0)
set(covered 0)
foreach(op IN LISTS ops)
  string(FIND "${case_text}" "${op}(" at)
  list(FIND LEGACY ${op} legacy)
  if(at EQUAL -1 AND legacy EQUAL -1)
    message("check_op_cases: ${op} has no case in src/bench/cases_*.c (add one: setup, record, reference, tolerance)")
    math(EXPR errors "${errors} + 1")
  elseif(NOT at EQUAL -1 AND NOT legacy EQUAL -1)
    message("check_op_cases: ${op} has a case now: remove it from LEGACY in tests/structure/check_op_cases.cmake")
    math(EXPR errors "${errors} + 1")
  elseif(NOT at EQUAL -1)
    math(EXPR covered "${covered} + 1")
  endif()
endforeach()
list(LENGTH ops op_count)
if(op_count LESS 20)
  message(FATAL_ERROR "check_op_cases: only ${op_count} op_*_record declarations found under ${SRC}/ops")
endif()
if(errors GREATER 0)
  message(FATAL_ERROR "check_op_cases: ${errors} problem(s)")
endif()
list(LENGTH LEGACY legacy_count)
message(STATUS "check_op_cases: ${covered} of ${op_count} operators have registry cases; ${legacy_count} still only their own tests")
