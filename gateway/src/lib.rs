//! The messaging gateway. (Not built yet: see issues 4 and 5.)
