"""Getting messages out: the paced sender (pacing, shared_pace), claims of work between replicas
(replicas, work_queue) and organizers' broadcasts."""
