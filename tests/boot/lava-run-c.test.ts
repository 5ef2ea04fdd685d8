// Every exported job in LAVA's real lava-run, lane 2 of 4 (see tests/helpers/lava-lane.ts).
import { laneExpectations, lavaLane } from "../helpers/lava-lane.ts";

lavaLane(await laneExpectations(2));
