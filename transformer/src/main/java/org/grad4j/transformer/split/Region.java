package org.grad4j.transformer.split;

import java.util.List;

/**
 * One generated function: a head block and the blocks it reaches without entering another
 * function's head, in reverse post-order (a topological order of the active part, which has no
 * cycles). Edges into other heads, returns and differentiated calls leave the region.
 *
 * @param stub true for a function that only forwards to the head's function (the method's entry
 *     when block 0 is itself a loop header); its block list is empty
 */
public record Region(int head, List<Integer> blocks, boolean stub) {
    public boolean contains(int block) {
        return blocks.contains(block);
    }
}
