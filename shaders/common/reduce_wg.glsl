// reduce_wg.glsl — sum over a workgroup of 256 invocations: subgroupAdd, then one shared slot per
// subgroup, so it is correct for every subgroup size. Needs GL_KHR_shader_subgroup_arithmetic.
shared float reduce_slots[256];

float workgroup_sum(float v) {
    v = subgroupAdd(v);
    if (gl_SubgroupInvocationID == 0) reduce_slots[gl_SubgroupID] = v;
    barrier();
    float s = 0.0;
    for (uint k = 0; k < gl_NumSubgroups; k++) s += reduce_slots[k];
    barrier(); // the slots are reused by the next call
    return s;
}
