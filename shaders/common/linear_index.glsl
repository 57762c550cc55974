// linear_index.glsl — the flat workgroup index when a dispatch is split over x and y to stay within
// maxComputeWorkGroupCount (see gpu_groups_2d in src/gpu/gpu.h).
uint linear_group_index() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }
