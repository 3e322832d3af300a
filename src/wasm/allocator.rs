//! The module's allocator: bump allocation that starts over whenever nothing is allocated.
//!
//! Every call from JS allocates, works, and frees everything but its answer, which is freed when the next
//! call's input is written; so between calls nothing is allocated and the heap starts over from its base.
//! Within a call memory is not reused, except the most recent block, which grows and shrinks in place
//! (a `String` or `Vec` being built); a call's memory is bounded by what it allocates in total, a small
//! multiple of its input. This is a tenth of the code of a general-purpose allocator. Memory is taken
//! from the host with `memory.grow`, above everything the module was instantiated with, and kept.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::Cell;

#[cfg(target_feature = "atomics")]
compile_error!("the wasm allocator is single-threaded: build without the atomics target feature");

const PAGE: usize = 65_536;

/// See the module docs.
pub(crate) struct BumpAllocator {
    /// First byte of the heap (0 until the first allocation).
    base: Cell<usize>,
    /// First free byte.
    top: Cell<usize>,
    /// End of the memory taken from the host.
    end: Cell<usize>,
    /// Blocks allocated and not yet freed.
    live: Cell<usize>,
}

// SAFETY: without the atomics target feature (checked above) a wasm32 module runs on one thread, so the
// cells are never accessed concurrently.
unsafe impl Sync for BumpAllocator {}

impl BumpAllocator {
    pub(crate) const fn new() -> Self {
        BumpAllocator {
            base: Cell::new(0),
            top: Cell::new(0),
            end: Cell::new(0),
            live: Cell::new(0),
        }
    }

    /// Makes `start..start + size` usable, growing memory as needed: the end of the range, or `None`
    /// when the host refuses more memory.
    fn reserve(&self, start: usize, size: usize) -> Option<usize> {
        let end = start.checked_add(size)?;
        if end > self.end.get() {
            let pages = (end - self.end.get()).div_ceil(PAGE);
            let previous = wasm32::memory_grow(0, pages);
            if previous == usize::MAX {
                return None;
            }
            self.end.set((previous + pages) * PAGE);
        }
        Some(end)
    }
}

// SAFETY: blocks are handed out from `top` upwards and never overlap: `top` only moves down to the start
// of the most recent block when that block is freed or resized, and to `base` when no block is live.
unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.base.get() == 0 {
            let start = wasm32::memory_size(0) * PAGE;
            self.base.set(start);
            self.top.set(start);
            self.end.set(start);
        }
        let align = layout.align() - 1;
        let Some(start) = self.top.get().checked_add(align).map(|t| t & !align) else {
            return core::ptr::null_mut();
        };
        match self.reserve(start, layout.size()) {
            Some(end) => {
                self.top.set(end);
                self.live.set(self.live.get() + 1);
                start as *mut u8
            }
            None => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let live = self.live.get() - 1;
        self.live.set(live);
        if live == 0 {
            self.top.set(self.base.get());
        } else if ptr as usize + layout.size() == self.top.get() {
            self.top.set(ptr as usize);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let start = ptr as usize;
        if start + layout.size() == self.top.get() {
            // The most recent block: resized in place.
            return match self.reserve(start, new_size) {
                Some(end) => {
                    self.top.set(end);
                    ptr
                }
                None => core::ptr::null_mut(),
            };
        }
        if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: `layout.align()` is a valid alignment and the caller guarantees `new_size`, rounded up
        // to it, does not overflow `isize`.
        let new =
            unsafe { self.alloc(Layout::from_size_align_unchecked(new_size, layout.align())) };
        if !new.is_null() {
            // SAFETY: the old block holds `layout.size()` bytes and the new one, allocated above it, more.
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size());
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}
