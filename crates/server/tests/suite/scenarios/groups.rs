use commons_protocol::*;

use crate::harness::Ctx;

pub async fn groups_posts_and_comments_round_trip(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let engineering = ada.create_group("Engineering", Privacy::Open).await;
    assert_eq!(engineering.created_by, ada.user.id);

    let groups: Vec<GroupListItem> = ada.get("/groups").await.assert_status(200).json();
    let names: Vec<&str> = groups.iter().map(|g| g.group.name.as_str()).collect();
    assert_eq!(
        names,
        ["Everyone", "Engineering"],
        "the default group comes first"
    );
    assert!(groups[0].group.is_default);
    assert_eq!(groups[0].member_count, 2);
    assert_eq!(groups[1].my_role, Some(GroupRole::Admin));
    assert_eq!(groups[1].member_count, 1);

    let first = ada
        .write_post(&engineering, "First: the build is green.")
        .await;
    let second = ada
        .write_post(&engineering, "Second: @grace please review.")
        .await;
    assert_eq!(
        (first.author_id.as_str(), first.group_id.as_str()),
        (ada.user.id.as_str(), engineering.id.as_str())
    );

    // Open group: a non-member reads, but must join to write.
    let request = grace.post_request(&engineering.id, "Can I post?");
    grace
        .post("/posts", &request)
        .await
        .assert_error(403, "forbidden");
    let joined: JoinResponse = grace.join(&engineering.id).await.assert_status(200).json();
    let membership = joined.membership.expect("an open group is joined at once");
    assert_eq!(joined.request, None);
    assert_eq!(membership.role, GroupRole::Member);
    assert_eq!(membership.user_id, grace.user.id);
    let comment = grace.write_comment(&first, "Nice!").await;
    assert_eq!(
        (comment.post_id.as_str(), comment.group_id.as_str()),
        (first.id.as_str(), engineering.id.as_str())
    );

    let listed = grace
        .get(&format!("/groups/{}/posts", engineering.id))
        .await
        .assert_status(200)
        .json::<FeedPage>()
        .posts;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].post, second, "newest first");
    assert_eq!(listed[1].post, first);
    assert_eq!(listed[1].comments, vec![comment.clone()]);

    let one: PostWithComments = ada
        .get(&format!("/posts/{}", first.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(one.post, first);
    assert_eq!(one.comments, vec![comment]);

    let single: GroupListItem = grace
        .get(&format!("/groups/{}", engineering.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        (single.my_role, single.member_count),
        (Some(GroupRole::Member), 2)
    );
}

pub async fn group_admins_add_members(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let linus = ctx.person("linus").await;
    let leadership = ada.create_group("Leadership", Privacy::Closed).await;

    grace
        .add_member(&leadership.id, &grace.user.email)
        .await
        .assert_error(403, "forbidden");
    let added: MembershipResponse = ada
        .add_member(&leadership.id, "Grace@Example.org")
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        (added.membership.user_id.as_str(), added.membership.role),
        (grace.user.id.as_str(), GroupRole::Member)
    );
    let again: MembershipResponse = ada
        .add_member(&leadership.id, &grace.user.email)
        .await
        .assert_status(200)
        .json();
    assert_eq!(again, added, "adding a member twice changes nothing");

    ada.add_member(&leadership.id, "nobody@example.org")
        .await
        .assert_error(404, "not_found");
    // Members who are not admins cannot add people.
    grace
        .add_member(&leadership.id, &linus.user.email)
        .await
        .assert_error(403, "forbidden");
    let posts = grace.get(&format!("/groups/{}/posts", leadership.id)).await;
    posts.assert_status(200);
}
