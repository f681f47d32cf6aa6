// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title DojangAnchor
/// @notice Records the tree heads (size, root hash) of did:dojang registry logs, with the
/// sender and the block time, so that anyone can timestamp a log and detect a fork: two
/// different roots for one size, or a root that is not consistent with a later one.
/// @dev One log is named by a 32-byte id (SHA-256 of its log id string). The first account
/// to anchor a log becomes its operator; only the operator may anchor it again. Sizes never
/// shrink. The contract holds no personal data: only sizes and hashes.
contract DojangAnchor {
    struct Anchor {
        uint64 size;
        bytes32 rootHash;
        address sender;
        uint64 blockTime;
    }

    mapping(bytes32 => Anchor[]) private anchors;
    mapping(bytes32 => address) public operatorOf;

    /// @notice A tree head was anchored.
    event Anchored(bytes32 indexed logId, uint64 size, bytes32 rootHash, address indexed sender, uint64 blockTime);

    error NotOperator(bytes32 logId, address operator);
    error SizeShrinks(bytes32 logId, uint64 latestSize, uint64 size);
    error RootChanged(bytes32 logId, uint64 size);

    /// @notice Anchors a tree head of the log `logId`.
    function anchor(bytes32 logId, uint64 size, bytes32 rootHash) external {
        address operator = operatorOf[logId];
        if (operator == address(0)) {
            operatorOf[logId] = msg.sender;
        } else if (operator != msg.sender) {
            revert NotOperator(logId, operator);
        }
        Anchor[] storage list = anchors[logId];
        if (list.length > 0) {
            Anchor storage last = list[list.length - 1];
            if (size < last.size) revert SizeShrinks(logId, last.size, size);
            if (size == last.size && rootHash != last.rootHash) revert RootChanged(logId, size);
        }
        uint64 time = uint64(block.timestamp);
        list.push(Anchor(size, rootHash, msg.sender, time));
        emit Anchored(logId, size, rootHash, msg.sender, time);
    }

    /// @notice How many tree heads of `logId` were anchored.
    function count(bytes32 logId) external view returns (uint256) {
        return anchors[logId].length;
    }

    /// @notice The `index`-th anchored tree head of `logId`.
    function get(bytes32 logId, uint256 index)
        external
        view
        returns (uint64 size, bytes32 rootHash, address sender, uint64 blockTime)
    {
        Anchor storage a = anchors[logId][index];
        return (a.size, a.rootHash, a.sender, a.blockTime);
    }
}
